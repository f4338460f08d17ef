"""Undo: of one's own Follow, Like, Announce and Block only."""

import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain.posts import Draft
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_undo_follow(node: Node, alice: Actor, zoe: Actor) -> None:
    follow = {"id": f"{zoe.uri}#f/1", "type": "Follow", "actor": zoe.uri, "object": alice.uri}
    await receive(node, zoe, follow)
    assert await count(node, "follows") == 1
    item = await receive(
        node, zoe, {"id": f"{zoe.uri}#f/1/undo", "type": "Undo", "actor": zoe.uri, "object": follow}
    )
    assert item.state == "done"
    assert await count(node, "follows") == 0


async def test_undo_like_and_announce_by_id(node: Node, alice: Actor, zoe: Actor) -> None:
    post = await node.publisher.post(alice, Draft("x"))
    like = {"id": f"{zoe.uri}#l/1", "type": "Like", "actor": zoe.uri, "object": post.uri}
    boost = {"id": f"{zoe.uri}#a/1", "type": "Announce", "actor": zoe.uri, "object": post.uri}
    await receive(node, zoe, like)
    await receive(node, zoe, boost)
    assert (await count(node, "likes"), await count(node, "boosts")) == (1, 1)
    await receive(
        node, zoe, {"id": f"{zoe.uri}#u/1", "type": "Undo", "actor": zoe.uri, "object": like["id"]}
    )
    await receive(
        node, zoe, {"id": f"{zoe.uri}#u/2", "type": "Undo", "actor": zoe.uri, "object": boost}
    )
    assert (await count(node, "likes"), await count(node, "boosts")) == (0, 0)


async def test_undo_of_someone_elses_like_is_refused(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    post = await node.publisher.post(alice, Draft("x"))
    like = {"id": f"{zoe.uri}#l/2", "type": "Like", "actor": zoe.uri, "object": post.uri}
    await receive(node, zoe, like)
    item = await receive(
        node,
        mallory,
        {"id": f"{mallory.uri}#u", "type": "Undo", "actor": mallory.uri, "object": like},
    )
    assert item.state == "refused"
    by_id = await receive(
        node,
        mallory,
        {"id": f"{mallory.uri}#u2", "type": "Undo", "actor": mallory.uri, "object": like["id"]},
    )
    assert by_id.state == "done"  # nothing of mallory's to undo
    assert await count(node, "likes") == 1


async def test_undo_block(node: Node, alice: Actor, zoe: Actor) -> None:
    block = {"id": f"{zoe.uri}#b/1", "type": "Block", "actor": zoe.uri, "object": alice.uri}
    await receive(node, zoe, block)
    assert await count(node, "blocks") == 1
    await receive(
        node, zoe, {"id": f"{zoe.uri}#b/1/undo", "type": "Undo", "actor": zoe.uri, "object": block}
    )
    assert await count(node, "blocks") == 0
