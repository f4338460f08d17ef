"""Reject: the follow request ends."""

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from tests.support.inbox import receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_reject_removes_the_follow(node: Node, alice: Actor, zoe: Actor) -> None:
    follow = await node.publisher.follow(alice, zoe)
    item = await receive(
        node,
        zoe,
        {"id": f"{zoe.uri}#r/1", "type": "Reject", "actor": zoe.uri, "object": follow.uri},
    )
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await follows_db.by_id(conn, follow.id) is None


async def test_reject_from_a_third_party_is_refused(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    follow = await node.publisher.follow(alice, zoe)
    item = await receive(
        node,
        mallory,
        {"id": f"{mallory.uri}#r/2", "type": "Reject", "actor": mallory.uri, "object": follow.uri},
    )
    assert item.state == "refused"
    async with node.pool.acquire() as conn:
        assert await follows_db.by_id(conn, follow.id) is not None
