"""Three real nodes over real HTTP: follows, posts and their lifecycle, privacy, outages."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from fedi.domain.posts import Draft
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def nodes(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[Member]]:
    folder: Path = tmp_path_factory.mktemp("cluster")
    async with cluster(databases, folder, ["north", "south", "east"]) as members:
        yield members


async def follow_accepted(follower_node: Member, follower_id: int, followee_uri: str) -> bool:
    return bool(
        await follower_node.value(
            "SELECT f.accepted FROM follows f JOIN actors a ON a.id = f.followee_id"
            " WHERE f.follower_id = $1 AND a.uri = $2",
            follower_id,
            followee_uri,
        )
    )


async def post_on(member: Member, uri: str) -> str | None:
    value = await member.value("SELECT content FROM posts WHERE uri = $1", uri)
    return None if value is None else str(value)


async def test_follow_and_accept(nodes: list[Member]) -> None:
    north, south, _ = nodes
    alice = await north.user("alice1")
    bob = await south.user("bob1")
    await north.node.publisher.follow(alice, await north.remote(bob))
    await eventually(lambda: follow_accepted(north, alice.id, bob.uri), what="Accept on north")
    assert await south.value(
        "SELECT f.accepted FROM follows f JOIN actors a ON a.id = f.follower_id WHERE a.uri = $1",
        alice.uri,
    )


async def test_locked_account_approves(nodes: list[Member]) -> None:
    north, south, _ = nodes
    alice = await north.user("alice2")
    carol = await south.user("carol2", locked=True)
    await north.node.publisher.follow(alice, await north.remote(carol))

    async def request_arrived() -> int | None:
        value = await south.value(
            "SELECT f.id FROM follows f JOIN actors a ON a.id = f.follower_id"
            " WHERE a.uri = $1 AND NOT f.accepted",
            alice.uri,
        )
        return None if value is None else int(value)

    request_id = await eventually(request_arrived, what="the follow request on south")
    assert not await follow_accepted(north, alice.id, carol.uri)
    await south.node.publisher.answer_follow(carol, request_id, accept=True)
    await eventually(lambda: follow_accepted(north, alice.id, carol.uri), what="approval")


async def test_post_reply_like_boost_edit_delete(nodes: list[Member]) -> None:
    north, south, east = nodes
    alice = await north.user("alice3")
    bob = await south.user("bob3")
    erin = await east.user("erin3")
    await north.node.publisher.follow(alice, await north.remote(bob))
    await east.node.publisher.follow(erin, await east.remote(alice))
    await eventually(lambda: follow_accepted(north, alice.id, bob.uri), what="alice follows bob")
    await eventually(lambda: follow_accepted(east, erin.id, alice.uri), what="erin follows alice")

    post = await south.node.publisher.post(bob, Draft("Court hearing moved to Monday #trial"))
    await eventually(lambda: post_on(north, post.uri), what="bob's post on north")
    assert await east.value("SELECT count(*) FROM posts WHERE uri = $1", post.uri) == 0

    north_copy = await north.value("SELECT id FROM posts WHERE uri = $1", post.uri)
    reply = await north.node.publisher.post(alice, Draft("Thanks!", in_reply_to_id=north_copy))
    await eventually(lambda: post_on(south, reply.uri), what="alice's reply on south")
    assert (
        await south.value("SELECT in_reply_to_id FROM posts WHERE uri = $1", reply.uri) == post.id
    )

    await north.node.publisher.like(alice, north_copy)
    await eventually(
        lambda: south.value("SELECT count(*) FROM likes WHERE post_id = $1", post.id),
        what="the like on south",
    )
    await north.node.publisher.boost(alice, north_copy)
    await eventually(
        lambda: south.value("SELECT count(*) FROM boosts WHERE post_id = $1", post.id),
        what="the boost on south",
    )
    # East follows alice, not bob: the boost makes east fetch bob's post from south.
    await eventually(lambda: post_on(east, post.uri), what="the boosted post on east")

    await south.node.publisher.edit(bob, post.id, Draft("Court hearing moved to Tuesday #trial"))

    async def edited() -> bool:
        content = await post_on(north, post.uri)
        return content is not None and "Tuesday" in content

    await eventually(edited, what="the edit on north")
    assert (
        await north.value(
            "SELECT count(*) FROM post_versions v JOIN posts p ON p.id = v.post_id"
            " WHERE p.uri = $1",
            post.uri,
        )
        == 1
    )

    await south.node.publisher.delete(bob, post.id)

    async def deleted() -> bool:
        return await post_on(north, post.uri) is None

    await eventually(deleted, what="the delete on north")
    assert await north.value("SELECT count(*) FROM tombstones WHERE uri = $1", post.uri) == 1


async def test_followers_only_reaches_followers_only(nodes: list[Member]) -> None:
    north, south, east = nodes
    alice = await north.user("alice4")
    bob = await south.user("bob4")
    await north.node.publisher.follow(alice, await north.remote(bob))
    await eventually(lambda: follow_accepted(north, alice.id, bob.uri), what="alice follows bob")
    await east.remote(bob)  # east knows bob, but does not follow

    private = await south.node.publisher.post(bob, Draft("for followers", visibility="followers"))
    public = await south.node.publisher.post(bob, Draft("for everyone"))
    await eventually(lambda: post_on(north, public.uri), what="the public post on north")
    await eventually(lambda: post_on(north, private.uri), what="the private post on north")
    assert await north.value("SELECT visibility FROM posts WHERE uri = $1", private.uri) == (
        "followers"
    )
    received_on_east = await east.rows(
        "SELECT activity_uri FROM inbox_items WHERE document::text LIKE $1", f"%{private.uri}%"
    )
    assert received_on_east == []
    inboxes = await south.rows(
        "SELECT d.inbox_url FROM deliveries d JOIN activities a ON a.id = d.activity_id"
        " WHERE a.object_uri = $1",
        private.uri,
    )
    assert [row["inbox_url"] for row in inboxes] == [f"{north.process.base_url}/inbox"]


async def test_local_post_reaches_nobody(nodes: list[Member]) -> None:
    north, south, east = nodes
    alice = await north.user("alice5")
    bob = await south.user("bob5")
    await north.node.publisher.follow(alice, await north.remote(bob))
    await eventually(lambda: follow_accepted(north, alice.id, bob.uri), what="alice follows bob")
    secret = await south.node.publisher.post(bob, Draft("stays on south", visibility="local"))
    marker = await south.node.publisher.post(bob, Draft("sent after the local one"))
    await eventually(lambda: post_on(north, marker.uri), what="the later public post on north")
    assert (
        await south.value(
            "SELECT count(*) FROM activities WHERE document::text LIKE $1", f"%{secret.uri}%"
        )
        == 0
    )
    for member in (north, east):
        assert (
            await member.value(
                "SELECT count(*) FROM inbox_items WHERE document::text LIKE '%stays on south%'"
            )
            == 0
        )
    # And a remote asking for it directly is told it does not exist.
    async with httpx.AsyncClient() as http:
        response = await http.get(secret.uri, headers={"Accept": "application/activity+json"})
    assert response.status_code == 404
