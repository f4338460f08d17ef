"""Search v2: accounts by handle and name, posts and accounts by URL, hashtags, and the remote
look-ups `resolve` makes over real loopback HTTP."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from activitypub.vocab import PUBLIC
from fedi.app import Node
from fedi.config import Settings
from fedi.db import posts as posts_db
from fedi.domain.posts import Draft
from tests.conftest import make_settings
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.actors import remote_actor
from tests.support.remote import RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEYS = new_keys()


@pytest.fixture
def settings() -> Settings:
    # The stand-in remote server listens on loopback.
    return make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")


@pytest.fixture(scope="module")
def remote_server() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture
def remote(remote_server: RemoteServer) -> RemoteServer:
    remote_server.documents.clear()
    remote_server.requests.clear()
    return remote_server


async def search(
    client: httpx.AsyncClient, user: ApiUser | None = None, **params: Any
) -> dict[str, Any]:
    body = await get_json(client, "/api/v2/search", user, params=params)
    assert_entity(body, "Search")
    return dict(body)


def accts(body: dict[str, Any]) -> list[str]:
    return [account["acct"] for account in body["accounts"]]


async def set_actor(node: Node, actor_id: int, **values: Any) -> None:
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(values, start=2))
    async with node.pool.acquire() as conn:
        await conn.execute(
            f"UPDATE actors SET {assignments} WHERE id = $1", actor_id, *values.values()
        )


def note(remote: RemoteServer, number: int, author: str, **extra: Any) -> dict[str, Any]:
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base_url}/notes/{number}",
        "type": "Note",
        "attributedTo": author,
        "content": f"<p>note {number} #found</p>",
        "published": "2024-05-01T10:00:00Z",
        "to": [PUBLIC],
        "cc": [],
        "tag": [{"type": "Hashtag", "name": "#found"}],
        **extra,
    }
    remote.documents[f"/notes/{number}"] = doc
    return doc


async def test_a_local_handle_is_found_in_every_spelling(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    for query in ("alice", "@alice", "alice@fedi.test", "@alice@fedi.test", "ALICE"):
        body = await search(client, q=query, type="accounts")
        assert accts(body) == ["alice"], query


async def test_names_are_matched_by_prefix_exact_first(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser
) -> None:
    await make_user("alicia")
    ali = await make_user("ali")
    other = await make_user("bob")
    await set_actor(node, other.actor.id, display_name="Alistair Bob")
    await remote_actor(node.pool, "alina", "far.example")
    body = await search(client, ali, q="ali")
    assert accts(body) == ["ali", "alicia", "bob", "alina@far.example"]
    body = await search(client, ali, q="ali", limit="2")
    assert accts(body) == ["ali", "alicia"]


async def test_shielded_accounts_are_never_found_but_by_themselves(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser, alice: ApiUser
) -> None:
    hidden = await make_user("hidden")
    await set_actor(node, hidden.actor.id, shielded=True)
    for query in ("hidden", "hid", "@hidden@fedi.test"):
        assert accts(await search(client, q=query)) == []
        assert accts(await search(client, alice, q=query)) == []
    assert accts(await search(client, hidden, q="hidden")) == ["hidden"]


async def test_an_undiscoverable_account_is_found_by_handle_or_by_followers(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser, alice: ApiUser
) -> None:
    quiet = await make_user("quietone")
    await set_actor(node, quiet.actor.id, discoverable=False)
    assert accts(await search(client, alice, q="quiet")) == []
    assert accts(await search(client, alice, q="quietone")) == ["quietone"]
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO follows (uri, follower_id, followee_id, accepted)"
            " VALUES ('https://fedi.test/follows/1', $1, $2, true)",
            alice.actor.id,
            quiet.actor.id,
        )
    assert accts(await search(client, alice, q="quiet")) == ["quietone"]
    assert accts(await search(client, alice, q="quiet", following="true")) == ["quietone"]


async def test_following_keeps_only_followed_accounts(
    client: httpx.AsyncClient, make_user: MakeUser, alice: ApiUser
) -> None:
    await make_user("bobby")
    assert accts(await search(client, alice, q="bobby")) == ["bobby"]
    assert accts(await search(client, alice, q="bobby", following="true")) == []


async def test_an_unknown_remote_handle_is_resolved_by_webfinger(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, remote: RemoteServer
) -> None:
    remote.add_actor("zoe", KEYS.public_pem)
    handle = f"zoe@{remote.domain}"
    assert accts(await search(client, alice, q=handle)) == []
    assert remote.requests == []  # without resolve, nothing leaves the node
    body = await search(client, alice, q=f"@{handle}", resolve="true")
    assert accts(body) == [handle]
    assert body["accounts"][0]["uri"] == f"{remote.base_url}/users/zoe"
    assert remote.hits("/.well-known/webfinger") == 1
    # Known now: found without resolving again.
    assert accts(await search(client, alice, q=handle)) == [handle]


async def test_resolve_and_offset_need_a_signed_in_user(
    client: httpx.AsyncClient, remote: RemoteServer
) -> None:
    remote.add_actor("zoe", KEYS.public_pem)
    response = await client.get(
        "/api/v2/search", params={"q": f"zoe@{remote.domain}", "resolve": "true"}
    )
    assert response.status_code == 401
    assert "resolve remote resources" in response.json()["error"]
    response = await client.get(
        "/api/v2/search", params={"q": "zoe", "type": "accounts", "offset": "1"}
    )
    assert response.status_code == 401
    assert "pagination" in response.json()["error"]
    assert remote.requests == []


async def test_offset_pages_one_kind(
    client: httpx.AsyncClient, make_user: MakeUser, alice: ApiUser
) -> None:
    for name in ("pa", "pb", "pc"):
        await make_user(name)
    first = accts(await search(client, alice, q="p", type="accounts", limit="2"))
    second = accts(await search(client, alice, q="p", type="accounts", limit="2", offset="2"))
    assert first == ["pa", "pb"]
    assert second == ["pc"]


async def test_bad_requests(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    assert (await client.get("/api/v2/search")).status_code == 400
    assert (await client.get("/api/v2/search", params={"q": "  "})).status_code == 400
    response = await client.get("/api/v2/search", params={"q": "x", "limit": "-1"})
    assert response.status_code == 400
    writer = await make_user("writer", scopes=["write"])
    response = await client.get("/api/v2/search", params={"q": "x"}, headers=writer.headers)
    assert response.status_code == 403
    searcher = await make_user("searcher", scopes=["read:search"])
    response = await client.get("/api/v2/search", params={"q": "x"}, headers=searcher.headers)
    assert response.status_code == 200


async def test_hashtags_by_prefix_from_public_posts_only(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    await node.publisher.post(alice.actor, Draft("#Python is fun"))
    await node.publisher.post(alice.actor, Draft("#pythonista and #python again"))
    await node.publisher.post(alice.actor, Draft("#pytorch secret", visibility="direct"))
    body = await search(client, q="pyt")
    assert [tag["name"] for tag in body["hashtags"]] == ["python", "pythonista"]
    assert body["hashtags"][0] == {
        "name": "python",
        "url": "https://fedi.test/tags/python",
        "history": [],
    }
    assert [t["name"] for t in (await search(client, alice, q="#pythonista"))["hashtags"]] == [
        "pythonista"
    ]
    # A tag used only in a direct post is not revealed, not even to its author.
    assert (await search(client, alice, q="pytorch"))["hashtags"] == []
    assert (await search(client, q="python@x"))["hashtags"] == []
    assert (await search(client, q="python", type="accounts"))["hashtags"] == []


async def test_words_find_no_statuses(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    await node.publisher.post(alice.actor, Draft("words to find"))
    body = await search(client, alice, q="words", type="statuses")
    assert body == {"accounts": [], "statuses": [], "hashtags": []}
    assert await search(client, alice, q="alice", type="nonsense") == body


async def test_a_local_post_url_finds_the_post_for_those_who_may_see_it(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    public = await node.publisher.post(alice.actor, Draft("for all"))
    private = await node.publisher.post(alice.actor, Draft("for friends", visibility="followers"))
    for url in (public.uri, public.url):
        body = await search(client, q=url)
        assert [s["id"] for s in body["statuses"]] == [str(public.id)]
    assert (await search(client, q=private.uri))["statuses"] == []
    assert (await search(client, bob, q=private.uri))["statuses"] == []
    body = await search(client, alice, q=private.uri)
    assert [s["id"] for s in body["statuses"]] == [str(private.id)]
    assert (await search(client, alice, q=private.uri, type="accounts"))["statuses"] == []


async def test_a_local_profile_url_finds_the_account(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    for url in (alice.actor.uri, "https://fedi.test/@alice"):
        assert accts(await search(client, q=url)) == ["alice"]


async def test_a_remote_post_url_is_fetched_and_stored_as_the_inbox_would(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, remote: RemoteServer
) -> None:
    zoe = remote.add_actor("zoe", KEYS.public_pem)
    doc = note(remote, 1, zoe["id"], cc=[f"{remote.base_url}/users/zoe/followers"])
    doc["tag"].append({"type": "Mention", "href": alice.actor.uri})
    assert (await search(client, alice, q=doc["id"]))["statuses"] == []
    assert remote.requests == []
    body = await search(client, alice, q=doc["id"], resolve="true")
    assert len(body["statuses"]) == 1
    status = body["statuses"][0]
    assert status["uri"] == doc["id"]
    assert status["account"]["acct"] == f"zoe@{remote.domain}"
    assert status["visibility"] == "public"
    assert [t["name"] for t in status["tags"]] == ["found"]
    async with node.pool.acquire() as conn:
        stored = await posts_db.by_uri(conn, doc["id"])
        assert stored is not None and not stored.local
        assert await posts_db.mentioned_actor_ids(conn, stored.id) == [alice.actor.id]
        # Stored as an incoming Create stores it: the mention notified alice.
        kinds = await conn.fetch(
            "SELECT notification_type FROM notifications WHERE recipient_id = $1", alice.actor.id
        )
    assert [row["notification_type"] for row in kinds] == ["mention"]
    again = await search(client, alice, q=doc["id"], resolve="true")
    assert [s["id"] for s in again["statuses"]] == [status["id"]]
    assert remote.hits("/notes/1") == 1


async def test_a_fetched_post_must_be_public_and_from_its_own_host(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, remote: RemoteServer
) -> None:
    zoe = remote.add_actor("zoe", KEYS.public_pem)
    private = note(remote, 2, zoe["id"], to=[f"{remote.base_url}/users/zoe/followers"])
    foreign = note(remote, 3, "http://127.0.0.1:1/users/mallory")
    for doc in (private, foreign):
        body = await search(client, alice, q=doc["id"], resolve="true")
        assert body["statuses"] == []
        async with node.pool.acquire() as conn:
            assert await posts_db.by_uri(conn, doc["id"]) is None
    assert remote.hits("/notes/2") == 1 and remote.hits("/notes/3") == 1


async def test_a_deleted_remote_post_is_not_brought_back(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, remote: RemoteServer
) -> None:
    zoe = remote.add_actor("zoe", KEYS.public_pem)
    doc = note(remote, 4, zoe["id"])
    async with node.pool.acquire() as conn:
        await posts_db.add_tombstone(conn, doc["id"], zoe["id"])
    assert (await search(client, alice, q=doc["id"], resolve="true"))["statuses"] == []


async def test_a_remote_profile_url_is_resolved(
    client: httpx.AsyncClient, alice: ApiUser, remote: RemoteServer
) -> None:
    zoe = remote.add_actor("zoe", KEYS.public_pem)
    assert (await search(client, alice, q=zoe["id"]))["accounts"] == []
    body = await search(client, alice, q=zoe["id"], resolve="true")
    assert accts(body) == [f"zoe@{remote.domain}"]
    body = await search(client, alice, q=zoe["id"], resolve="true", type="statuses")
    assert body["accounts"] == []
