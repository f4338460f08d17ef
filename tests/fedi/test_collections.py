"""outbox, followers and following: paged OrderedCollections, newest first, hiding honoured."""

import httpx
import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")
AS_JSON = {"Accept": "application/activity+json"}


async def alice(node: Node) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor


async def test_outbox_pages_public_posts_only(node: Node, client: httpx.AsyncClient) -> None:
    author = await alice(node)
    public = [await node.publisher.post(author, Draft(f"public {n}")) for n in range(25)]
    await node.publisher.post(author, Draft("friends", visibility="followers"))
    await node.publisher.post(author, Draft("here only", visibility="local"))
    collection = (await client.get("/users/alice/outbox", headers=AS_JSON)).json()
    assert collection["totalItems"] == 25
    first = (await client.get(collection["first"], headers=AS_JSON)).json()
    assert first["type"] == "OrderedCollectionPage"
    assert first["partOf"] == "https://fedi.test/users/alice/outbox"
    assert [item["object"] for item in first["orderedItems"]] == [p.uri for p in public[::-1][:20]]
    assert all(item["type"] == "Create" for item in first["orderedItems"])
    second = (await client.get(first["next"], headers=AS_JSON)).json()
    assert [item["object"] for item in second["orderedItems"]] == [p.uri for p in public[4::-1]]
    assert "next" not in second


async def test_followers_and_following(node: Node, client: httpx.AsyncClient) -> None:
    author = await alice(node)
    fans = [await remote_actor(node.pool, f"fan{n}", "remote.example") for n in range(3)]
    async with node.pool.acquire() as conn:
        for fan in fans:
            await follows_db.upsert(conn, f"{fan.uri}#f", fan.id, author.id, accepted=True)
        await follows_db.upsert(conn, "https://fedi.test/f/1", author.id, fans[0].id, accepted=True)
        pending = await remote_actor(node.pool, "waiting", "remote.example")
        await follows_db.upsert(conn, f"{pending.uri}#f", pending.id, author.id, accepted=False)
    followers = (await client.get("/users/alice/followers", headers=AS_JSON)).json()
    assert followers["totalItems"] == 3
    page = (await client.get(followers["first"], headers=AS_JSON)).json()
    assert page["orderedItems"] == [fan.uri for fan in fans[::-1]]
    following = (await client.get("/users/alice/following?page=true", headers=AS_JSON)).json()
    assert following["orderedItems"] == [fans[0].uri]


async def test_hidden_network_shows_counts_only(node: Node, client: httpx.AsyncClient) -> None:
    author = await alice(node)
    fan = await remote_actor(node.pool, "fan", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{fan.uri}#f", fan.id, author.id, accepted=True)
        await conn.execute("UPDATE actors SET hide_collections = true WHERE id = $1", author.id)
    followers = (await client.get("/users/alice/followers", headers=AS_JSON)).json()
    assert followers["totalItems"] == 1 and "first" not in followers
    page = (await client.get("/users/alice/followers?page=true", headers=AS_JSON)).text
    assert fan.uri not in page
