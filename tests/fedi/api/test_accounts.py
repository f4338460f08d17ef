"""Accounts in the client API: the signed-in profile and its changes, accounts by id, lookup and
search."""

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from fedi.app import Node
from fedi.db import follows as follows_db
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

UPDATE = "/api/v1/accounts/update_credentials"
AS_JSON = {"Accept": "application/activity+json"}


def png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, format="PNG")
    return out.getvalue()


async def patch(client: httpx.AsyncClient, user: ApiUser, **kwargs: Any) -> httpx.Response:
    return await client.patch(UPDATE, headers=user.headers, **kwargs)


async def sent_activities(node: Node) -> list[dict[str, Any]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch("SELECT document FROM activities ORDER BY id")
    return [row["document"] for row in rows]


async def remote_follower_of(node: Node, user: ApiUser, name: str = "rita") -> None:
    follower = await remote_actor(node.pool, name, "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(
            conn,
            f"https://remote.example/follows/{name}",
            follower.id,
            user.actor.id,
            accepted=True,
        )


# --- update_credentials -------------------------------------------------------------------


async def test_update_changes_profile_and_returns_credential_account(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await patch(
        client,
        alice,
        json={
            "display_name": "Alice Defender",
            "note": "Lawyer. #HumanRights\n\nhttps://example.org",
            "locked": True,
            "bot": True,
            "discoverable": False,
            "hide_collections": True,
            "source": {"privacy": "private", "sensitive": True, "language": "de"},
        },
    )
    assert response.status_code == 200, response.text
    account = response.json()
    assert_entity(account, "CredentialAccount")
    assert account["display_name"] == "Alice Defender"
    assert account["note"].startswith("<p>Lawyer. <a href=")
    assert 'class="mention hashtag"' in account["note"]
    assert '<a href="https://example.org"' in account["note"]
    assert account["locked"] is True
    assert account["bot"] is True
    assert account["discoverable"] is False
    assert account["hide_collections"] is True
    source = account["source"]
    assert source["note"] == "Lawyer. #HumanRights\n\nhttps://example.org"
    assert (source["privacy"], source["sensitive"], source["language"]) == ("private", True, "de")
    assert await get_json(client, "/api/v1/accounts/verify_credentials", alice) == account


async def test_form_encoded_update_with_indexed_fields(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await patch(
        client,
        alice,
        data={
            "fields_attributes[0][name]": "Website",
            "fields_attributes[0][value]": "https://example.org/alice",
            "fields_attributes[1][name]": "",
            "fields_attributes[1][value]": "dropped: no name",
            "fields_attributes[2][name]": "Pronouns",
            "fields_attributes[2][value]": "she/her",
            "locked": "true",
        },
    )
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["locked"] is True
    assert [field["name"] for field in account["fields"]] == ["Website", "Pronouns"]
    website, pronouns = account["fields"]
    assert website["value"].startswith('<a href="https://example.org/alice"')
    assert pronouns["value"] == "she/her"
    assert account["source"]["fields"] == [
        {"name": "Website", "value": "https://example.org/alice", "verified_at": None},
        {"name": "Pronouns", "value": "she/her", "verified_at": None},
    ]


async def test_fields_as_a_json_list_replace_the_old_ones(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    await patch(client, alice, json={"fields_attributes": [{"name": "Old", "value": "x"}]})
    response = await patch(
        client, alice, json={"fields_attributes": [{"name": "New", "value": "<b>y</b>"}]}
    )
    assert response.status_code == 200, response.text
    # Typed text is text: the markup comes back escaped, never as markup.
    assert response.json()["fields"] == [
        {"name": "New", "value": "&lt;b&gt;y&lt;/b&gt;", "verified_at": None}
    ]


async def test_a_field_value_is_one_line(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await patch(
        client, alice, json={"fields_attributes": [{"name": "Bio", "value": "two\n\nlines"}]}
    )
    assert response.json()["fields"][0]["value"] == "two lines"
    assert response.json()["source"]["fields"][0]["value"] == "two\n\nlines"


async def test_more_than_four_fields_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    fields = [{"name": f"n{i}", "value": "v"} for i in range(5)]
    response = await patch(
        client, alice, json={"display_name": "Changed", "fields_attributes": fields}
    )
    assert response.status_code == 422
    assert "at most 4 fields" in response.json()["error"]
    account = await get_json(client, "/api/v1/accounts/verify_credentials", alice)
    assert account["display_name"] == "alice"
    assert account["fields"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"display_name": "x" * 31}, "display_name may have at most 30"),
        ({"note": "x" * 501}, "note may have at most 500"),
        ({"source": {"privacy": "everyone"}}, "source[privacy] must be one of"),
        ({"source": {"language": "English"}}, "is not a language code"),
        ({"locked": "maybe"}, "locked must be true or false"),
        ({"fields_attributes": "Website"}, "fields_attributes must be"),
    ],
)
async def test_bad_values_are_refused_with_a_message(
    client: httpx.AsyncClient, alice: ApiUser, body: dict[str, Any], message: str
) -> None:
    response = await patch(client, alice, json=body)
    assert response.status_code == 422
    assert message in response.json()["error"]


async def test_privacy_maps_to_our_visibilities(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    for privacy, stored in [("private", "followers"), ("direct", "direct"), ("public", "public")]:
        response = await patch(client, alice, data={"source[privacy]": privacy})
        assert response.json()["source"]["privacy"] == privacy
        async with node.pool.acquire() as conn:
            visibility = await conn.fetchval(
                "SELECT default_visibility FROM users WHERE actor_id = $1", alice.actor.id
            )
        assert visibility == stored


async def test_shielded_member_is_not_discoverable_anywhere(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await patch(client, alice, json={"shielded": True})
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["source"]["shielded"] is True
    assert account["discoverable"] is False
    document = (await client.get("/users/alice", headers=AS_JSON)).json()
    assert document["discoverable"] is False
    assert "shielded" not in document


async def test_update_sends_the_new_actor_document_to_followers(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    await remote_follower_of(node, alice)
    response = await patch(
        client,
        alice,
        json={
            "display_name": "Alice D",
            "fields_attributes": {"0": {"name": "Site", "value": "https://example.org"}},
            "source": {"privacy": "private"},
            "shielded": False,
        },
    )
    assert response.status_code == 200, response.text
    (update,) = await sent_activities(node)
    assert update["type"] == "Update"
    person = update["object"]
    assert person["type"] == "Person"
    assert person["id"] == alice.actor.uri
    assert person["name"] == "Alice D"
    assert person["attachment"] == [
        {"type": "PropertyValue", "name": "Site", "value": response.json()["fields"][0]["value"]}
    ]
    # Only what the actor document shows leaves the node: no preferences, no typed sources.
    assert "private" not in str(update) and "source" not in person
    async with node.pool.acquire() as conn:
        inboxes = await conn.fetch("SELECT inbox_url FROM deliveries")
    assert [row["inbox_url"] for row in inboxes] == ["https://remote.example/inbox"]


async def test_preferences_alone_send_nothing(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    await remote_follower_of(node, alice)
    response = await patch(client, alice, json={"source": {"privacy": "unlisted"}})
    assert response.status_code == 200
    assert await sent_activities(node) == []


async def test_avatar_and_header_are_stored_served_and_federated(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    response = await patch(
        client,
        alice,
        files={
            "avatar": ("me.png", png(), "image/png"),
            "header": ("banner.png", png(300, 100), "image/png"),
        },
        data={"display_name": "With pictures"},
    )
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["display_name"] == "With pictures"
    for key in ("avatar", "header"):
        assert account[key].startswith("https://fedi.test/media/")
        served = await client.get(account[key].removeprefix("https://fedi.test"))
        assert served.status_code == 200
        Image.open(io.BytesIO(served.content)).verify()
    document = (await client.get("/users/alice", headers=AS_JSON)).json()
    assert document["icon"]["url"] == account["avatar"]
    assert document["image"]["url"] == account["header"]


async def test_an_image_that_is_not_one_is_refused(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await patch(
        client, alice, files={"avatar": ("me.png", b"not an image", "image/png")}
    )
    assert response.status_code == 422
    assert response.json()["error"]
    account = await get_json(client, "/api/v1/accounts/verify_credentials", alice)
    assert account["avatar"].endswith("/static/avatar-missing.png")


async def test_unlocking_accepts_waiting_follow_requests(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await patch(client, alice, json={"locked": True})
    followed = await client.post(f"/api/v1/accounts/{alice.actor.id}/follow", headers=bob.headers)
    assert followed.json()["requested"] is True
    await patch(client, alice, json={"locked": False})
    (relationship,) = await get_json(
        client, f"/api/v1/accounts/relationships?id[]={alice.actor.id}", bob
    )
    assert relationship["following"] is True
    assert relationship["requested"] is False


async def test_update_needs_a_token_with_write_accounts(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    reader = await make_user("reader", scopes=["read"])
    assert (await client.patch(UPDATE, json={"display_name": "x"})).status_code == 401
    response = await patch(client, reader, json={"display_name": "x"})
    assert response.status_code == 403
    writer = await make_user("writer", scopes=["write:accounts"])
    assert (await patch(client, writer, json={"display_name": "x"})).status_code == 200


# --- accounts by id -----------------------------------------------------------------------


async def test_account_by_id_is_public(client: httpx.AsyncClient, alice: ApiUser) -> None:
    account = await get_json(client, f"/api/v1/accounts/{alice.actor.id}")
    assert_entity(account, "Account")
    assert (account["id"], account["acct"]) == (str(alice.actor.id), "alice")
    assert "source" not in account


async def test_unknown_account_is_record_not_found(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await client.get("/api/v1/accounts/987654321", headers=alice.headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


async def test_a_token_without_read_accounts_is_refused(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    poster = await make_user("poster", scopes=["write:statuses"])
    response = await client.get(f"/api/v1/accounts/{alice.actor.id}", headers=poster.headers)
    assert response.status_code == 403


async def test_several_accounts_by_id_in_the_order_asked(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    ids = [bob.actor.id, 987654321, alice.actor.id, bob.actor.id]
    query = "&".join(f"id[]={i}" for i in ids) + "&id[]=nonsense"
    accounts = await get_json(client, f"/api/v1/accounts?{query}")
    assert [a["username"] for a in accounts] == ["bob", "alice"]


async def test_one_plain_id_is_a_list_of_one(client: httpx.AsyncClient, alice: ApiUser) -> None:
    accounts = await get_json(client, f"/api/v1/accounts?id={alice.actor.id}")
    assert [a["username"] for a in accounts] == ["alice"]


async def test_too_many_ids_are_refused(client: httpx.AsyncClient) -> None:
    query = "&".join(f"id[]={i}" for i in range(1, 42))
    response = await client.get(f"/api/v1/accounts?{query}")
    assert response.status_code == 422
    assert "at most 40" in response.json()["error"]


# --- lookup -------------------------------------------------------------------------------


@pytest.mark.parametrize("acct", ["alice", "@alice", "alice@fedi.test", "ALICE@FEDI.TEST"])
async def test_lookup_finds_local_accounts(
    client: httpx.AsyncClient, alice: ApiUser, acct: str
) -> None:
    account = await get_json(client, "/api/v1/accounts/lookup", params={"acct": acct})
    assert account["id"] == str(alice.actor.id)


async def test_lookup_finds_known_remote_accounts(client: httpx.AsyncClient, node: Node) -> None:
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    account = await get_json(
        client, "/api/v1/accounts/lookup", params={"acct": "zoe@remote.example"}
    )
    assert (account["id"], account["acct"]) == (str(zoe.id), "zoe@remote.example")


async def test_lookup_of_nobody_is_not_found(client: httpx.AsyncClient, alice: ApiUser) -> None:
    for acct in ["nobody", "nobody@fedi.test", "bad@@host"]:
        response = await client.get(
            "/api/v1/accounts/lookup", params={"acct": acct}, headers=alice.headers
        )
        assert response.status_code == 404, acct
        assert response.json() == {"error": "Record not found"}


async def test_lookup_without_acct_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/accounts/lookup")
    assert response.status_code == 422
    assert "acct is required" in response.json()["error"]


# --- search -------------------------------------------------------------------------------


async def search(client: httpx.AsyncClient, user: ApiUser, **params: Any) -> list[str]:
    found = await get_json(client, "/api/v1/accounts/search", user, params=params)
    return [account["acct"] for account in found]


async def test_search_matches_username_and_display_name_prefixes(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    other = await make_user("other")
    await patch(client, other, json={"display_name": "Alicia Keys"})
    await make_user("alicante")
    await remote_actor(node.pool, "alice", "remote.example")
    # Exact usernames first, then local accounts, each by name.
    assert await search(client, alice, q="ali") == [
        "alicante",
        "alice",
        "other",
        "alice@remote.example",
    ]
    assert await search(client, alice, q="alice") == ["alice", "alice@remote.example"]
    assert await search(client, alice, q="@alice@remote") == ["alice@remote.example"]
    assert await search(client, alice, q="ali", limit=2, offset=1) == ["alice", "other"]
    assert await search(client, alice, q="a%") == []


async def test_search_never_shows_shielded_accounts(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    hidden = await make_user("alina")
    await patch(client, hidden, json={"shielded": True})
    await client.post(f"/api/v1/accounts/{hidden.actor.id}/follow", headers=alice.headers)
    assert await search(client, alice, q="ali") == ["alice"]
    assert await search(client, hidden, q="ali") == ["alice", "alina"]
    assert await search(client, alice, q="alina") == []


async def test_search_shows_undiscoverable_accounts_only_to_followers(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    quiet = await make_user("bobby")
    await patch(client, quiet, json={"discoverable": False})
    assert await search(client, alice, q="bob") == ["bob"]
    # Typing the whole address discovers nobody: lookup would answer it anyway.
    assert await search(client, alice, q="bobby") == ["bobby"]
    assert await search(client, alice, q="bobby@fedi.test") == ["bobby"]
    await client.post(f"/api/v1/accounts/{quiet.actor.id}/follow", headers=alice.headers)
    assert await search(client, alice, q="bob") == ["bob", "bobby"]
    assert await search(client, alice, q="bob", following="true") == ["bobby"]


async def test_search_needs_a_signed_in_user_and_a_query(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await client.get("/api/v1/accounts/search", params={"q": "a"})
    assert response.status_code == 401
    response = await client.get("/api/v1/accounts/search", headers=alice.headers)
    assert response.status_code == 422
    assert "q is required" in response.json()["error"]
