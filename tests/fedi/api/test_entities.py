"""Each endpoint's JSON carries every attribute Mastodon documents for its entity."""

import io

import httpx
import pytest
from PIL import Image

from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity

pytestmark = pytest.mark.asyncio(loop_scope="session")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


async def posted(client: httpx.AsyncClient, user: ApiUser, **body: object) -> dict[str, object]:
    response = await client.post("/api/v1/statuses", json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def test_account_and_status_entities(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    upload = await client.post(
        "/api/v2/media",
        files={"file": ("a.png", png(), "image/png")},
        data={"description": "blue"},
        headers=alice.headers,
    )
    assert upload.status_code in (200, 202), upload.text
    assert_entity(upload.json(), "MediaAttachment")
    status = await posted(
        client, alice, status="hello #entities @bob", media_ids=[upload.json()["id"]]
    )
    assert_entity(status, "Status")
    reply = await posted(client, bob, status="@alice hi", in_reply_to_id=status["id"])
    assert_entity(reply, "Status")

    base = f"/api/v1/statuses/{status['id']}"
    assert_entity(await get_json(client, base, bob), "Status")
    assert_entity(await get_json(client, f"{base}/context", bob), "Context")
    assert_entity(await get_json(client, f"{base}/source", alice), "StatusSource")
    await client.put(base, json={"status": "hello again #entities"}, headers=alice.headers)
    for edit in await get_json(client, f"{base}/history", bob):
        assert_entity(edit, "StatusEdit")

    boost = await client.post(f"{base}/reblog", headers=bob.headers)
    assert boost.status_code == 200, boost.text
    assert_entity(boost.json(), "Status")
    favourite = await client.post(f"{base}/favourite", headers=bob.headers)
    assert_entity(favourite.json(), "Status")
    for account in await get_json(client, f"{base}/favourited_by", alice):
        assert_entity(account, "Account")

    me = await get_json(client, "/api/v1/accounts/verify_credentials", alice)
    assert_entity(me, "CredentialAccount")
    assert_entity(await get_json(client, f"/api/v1/accounts/{me['id']}", bob), "Account")
    for item in await get_json(client, f"/api/v1/accounts/{me['id']}/statuses", bob):
        assert_entity(item, "Status")
    follow = await client.post(f"/api/v1/accounts/{me['id']}/follow", headers=bob.headers)
    assert_entity(follow.json(), "Relationship")
    for relationship in await get_json(
        client, "/api/v1/accounts/relationships", bob, params={"id[]": me["id"]}
    ):
        assert_entity(relationship, "Relationship")

    for timeline in ("/api/v1/timelines/home", "/api/v1/timelines/public"):
        items = await get_json(client, timeline, bob)
        assert items, timeline
        for item in items:
            assert_entity(item, "Status")
    for item in await get_json(client, "/api/v1/timelines/tag/entities", bob):
        assert_entity(item, "Status")

    notifications = await get_json(client, "/api/v1/notifications", alice)
    assert {n["type"] for n in notifications} >= {"mention", "favourite", "reblog", "follow"}
    for notification in notifications:
        assert_entity(notification, "Notification")

    search = await get_json(client, "/api/v2/search", bob, params={"q": "alice"})
    assert_entity(search, "Search")
    markers = await client.post(
        "/api/v1/markers", json={"home": {"last_read_id": status["id"]}}, headers=alice.headers
    )
    assert_entity(markers.json()["home"], "Marker")
    assert_entity(await get_json(client, "/api/v1/preferences", alice), "Preferences")


async def test_instance_and_application_entities(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    assert_entity(await get_json(client, "/api/v2/instance"), "Instance")
    assert_entity(await get_json(client, "/api/v1/instance"), "V1_Instance")
    created = await client.post(
        "/api/v1/apps",
        json={"client_name": "entities", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
    )
    app = created.json()
    assert_entity(app, "CredentialApplication")
    await make_user("eve", scopes=["read"])
    token = await client.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    assert_entity(token.json(), "Token")
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    verified = await client.get("/api/v1/apps/verify_credentials", headers=headers)
    assert_entity(verified.json(), "Application")
