"""Statuses over HTTP: posting, reading one or several, deleting, who may see what, and errors."""

from typing import Any

import httpx
import pytest

from fedi.api.auth import hash_secret, issue_token
from fedi.app import Node
from fedi.db import media as media_db
from fedi.db import oauth as oauth_db
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def post_status(client: httpx.AsyncClient, user: ApiUser, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/statuses", headers=user.headers, json=fields)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def count_posts(node: Node) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM posts"))


async def new_media(node: Node, user: ApiUser, name: str = "a.png") -> int:
    async with node.pool.acquire() as conn:
        row = await media_db.insert(conn, user.actor.id, file_name=name, width=4, height=3)
    return row.id


async def test_posting_returns_the_status(client: httpx.AsyncClient, alice: ApiUser) -> None:
    status = await post_status(
        client, alice, status="Hello #rights", spoiler_text="cw", language="en"
    )
    assert_entity(status, "Status")
    assert "Hello" in status["content"]
    assert status["account"]["id"] == str(alice.actor.id)
    assert status["visibility"] == "public"
    assert status["spoiler_text"] == "cw"
    assert status["sensitive"] is True  # a content warning always hides the post
    assert status["language"] == "en"
    assert [tag["name"] for tag in status["tags"]] == ["rights"]
    assert status["favourited"] is False


async def test_form_encoded_post_with_mastodon_visibility_names(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": "for friends", "visibility": "private"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["visibility"] == "private"


async def test_account_defaults_apply_when_the_client_does_not_say(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET default_visibility = 'unlisted', default_sensitive = true,"
            " default_language = 'pt' WHERE actor_id = $1",
            alice.actor.id,
        )
    status = await post_status(client, alice, status="defaults")
    assert (status["visibility"], status["sensitive"], status["language"]) == (
        "unlisted",
        True,
        "pt",
    )


async def test_the_writing_app_is_recorded(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    async with node.pool.acquire() as conn:
        app = await oauth_db.insert_app(
            conn,
            client_id="cid",
            client_secret_hash=hash_secret("s"),
            name="Tusky",
            website="https://tusky.app",
            redirect_uris=["urn:ietf:wg:oauth:2.0:oob"],
            scopes=["read", "write"],
        )
        token, _ = await issue_token(conn, app.id, alice.actor.id, ["write"])
    response = await client.post(
        "/api/v1/statuses",
        headers={"Authorization": f"Bearer {token}"},
        json={"status": "from my phone"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["application"] == {"name": "Tusky", "website": "https://tusky.app"}


async def test_local_only_makes_a_post_for_this_node(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="here only", local_only=True)
    assert (status["visibility"], status["local_only"]) == ("public", True)
    assert (await client.get(f"/api/v1/statuses/{status['id']}")).status_code == 404
    seen = await get_json(client, f"/api/v1/statuses/{status['id']}", bob)
    assert seen["id"] == status["id"]


async def test_empty_status_is_refused_with_a_reason(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    response = await client.post("/api/v1/statuses", headers=alice.headers, json={"status": " "})
    assert response.status_code == 422
    assert "needs some text" in response.json()["error"]
    assert await count_posts(node) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"poll": {"options": ["a", "b"], "expires_in": 300}}, "polls are not supported"),
        ({"scheduled_at": "2030-01-01T00:00:00Z"}, "scheduled posts are not supported"),
        ({"visibility": "everyone"}, "visibility must be one of"),
        ({"visibility": "direct", "local_only": True}, "local_only applies"),
    ],
)
async def test_unsupported_or_bad_options_are_refused(
    client: httpx.AsyncClient,
    node: Node,
    alice: ApiUser,
    fields: dict[str, Any],
    message: str,
) -> None:
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", **fields}
    )
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert await count_posts(node) == 0


async def test_posting_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/statuses", json={"status": "anonymous"})
    assert response.status_code == 401
    assert "error" in response.json()


async def test_posting_needs_the_write_scope(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser
) -> None:
    reader = await make_user("reader", scopes=["read"])
    response = await client.post("/api/v1/statuses", headers=reader.headers, json={"status": "x"})
    assert response.status_code == 403
    assert await count_posts(node) == 0


async def test_a_granular_scope_is_enough(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    writer = await make_user("writer", scopes=["write:statuses"])
    await post_status(client, writer, status="granular")


async def test_same_idempotency_key_returns_the_first_status(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    headers = {**alice.headers, "Idempotency-Key": "k-1"}
    first = await client.post("/api/v1/statuses", headers=headers, json={"status": "once"})
    again = await client.post("/api/v1/statuses", headers=headers, json={"status": "once"})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert await count_posts(node) == 1
    # The key belongs to the account that sent it: another account's same key is its own.
    other = await client.post(
        "/api/v1/statuses",
        headers={**bob.headers, "Idempotency-Key": "k-1"},
        json={"status": "once"},
    )
    assert other.json()["id"] != first.json()["id"]
    assert await count_posts(node) == 2


async def test_an_expired_idempotency_key_posts_anew(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    headers = {**alice.headers, "Idempotency-Key": "old"}
    first = await client.post("/api/v1/statuses", headers=headers, json={"status": "x"})
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
    second = await client.post("/api/v1/statuses", headers=headers, json={"status": "x"})
    assert second.json()["id"] != first.json()["id"]


async def test_media_ids_attach_uploads_in_order_and_allow_no_text(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    first, second = await new_media(node, alice, "1.png"), await new_media(node, alice, "2.png")
    status = await post_status(client, alice, status="", media_ids=[str(second), str(first)])
    assert [m["id"] for m in status["media_attachments"]] == [str(second), str(first)]
    assert status["media_attachments"][0]["url"].endswith("/media/2.png")
    async with node.pool.acquire() as conn:
        attached = await media_db.of_post(conn, int(status["id"]))
    assert [row.id for row in attached] == [second, first]


async def test_form_encoded_media_ids(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    media = await new_media(node, alice)
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": "picture", "media_ids[]": str(media)},
    )
    assert response.status_code == 200, response.text
    assert [m["id"] for m in response.json()["media_attachments"]] == [str(media)]


async def test_media_of_another_account_is_refused(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    bobs = await new_media(node, bob)
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "media_ids": [bobs]}
    )
    assert response.status_code == 422
    assert str(bobs) in response.json()["error"]
    assert await count_posts(node) == 0


async def test_media_already_attached_is_refused(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    media = await new_media(node, alice)
    await post_status(client, alice, status="first", media_ids=[media])
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "media_ids": [media]}
    )
    assert response.status_code == 422
    assert "already belongs to another post" in response.json()["error"]
    assert await count_posts(node) == 1


async def test_more_than_four_attachments_are_refused(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    media = [await new_media(node, alice, f"{n}.png") for n in range(5)]
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "media_ids": media}
    )
    assert response.status_code == 422
    assert "at most 4 attachments" in response.json()["error"]


async def test_reply_sets_the_parent(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    parent = await post_status(client, alice, status="question")
    reply = await post_status(client, bob, status="answer", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]
    assert reply["in_reply_to_account_id"] == str(alice.actor.id)


async def test_reply_to_an_unknown_post_is_404(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "in_reply_to_id": "999"}
    )
    assert response.status_code == 404


async def test_public_status_is_readable_anonymously(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="for all")
    seen = await get_json(client, f"/api/v1/statuses/{status['id']}")
    assert seen["content"] == status["content"]
    assert "favourited" not in seen  # the viewer's own flags only for a signed-in viewer


async def test_unknown_status_is_404_record_not_found(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    for path in ("/api/v1/statuses/123456", "/api/v1/statuses/not-a-number"):
        response = await client.get(path, headers=alice.headers)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}


async def test_followers_only_post_is_hidden_from_others(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    status = await post_status(client, alice, status="friends", visibility="private")
    path = f"/api/v1/statuses/{status['id']}"
    await node.publisher.follow(bob.actor, alice.actor)
    assert (await client.get(path)).status_code == 404
    assert (await client.get(path, headers=carol.headers)).json() == {"error": "Record not found"}
    assert (await get_json(client, path, bob))["visibility"] == "private"


async def test_direct_post_is_seen_only_by_those_mentioned(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await node.publisher.follow(carol.actor, alice.actor)
    status = await post_status(client, alice, status="@bob psst", visibility="direct")
    path = f"/api/v1/statuses/{status['id']}"
    assert (await get_json(client, path, bob))["visibility"] == "direct"
    assert (await client.get(path, headers=carol.headers)).status_code == 404
    assert (await client.get(path)).status_code == 404


async def test_several_statuses_by_id_skip_what_the_viewer_may_not_see(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    one = await post_status(client, alice, status="one")
    hidden = await post_status(client, alice, status="hidden", visibility="private")
    two = await post_status(client, alice, status="two")
    query = [("id[]", two["id"]), ("id[]", hidden["id"]), ("id[]", "777"), ("id[]", one["id"])]
    found = await get_json(client, "/api/v1/statuses", bob, params=query)
    assert [s["id"] for s in found] == [two["id"], one["id"]]


async def test_delete_returns_the_status_with_its_source(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="soon *gone*")
    response = await client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json()["id"] == status["id"]
    assert response.json()["text"] == "soon *gone*"
    assert (await client.get(f"/api/v1/statuses/{status['id']}")).status_code == 404
    assert await count_posts(node) == 0


async def test_deleting_another_accounts_status_is_404_and_keeps_it(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="mine")
    response = await client.delete(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert response.status_code == 404
    assert await count_posts(node) == 1


async def test_deleted_posts_media_can_be_attached_again(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    """Mastodon apps' "delete and redraft" posts the old attachments anew."""
    media = await new_media(node, alice)
    status = await post_status(client, alice, status="draft", media_ids=[media])
    deleted = await client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    redraft = await post_status(
        client,
        alice,
        status=deleted.json()["text"],
        media_ids=[m["id"] for m in deleted.json()["media_attachments"]],
    )
    assert [m["id"] for m in redraft["media_attachments"]] == [str(media)]
