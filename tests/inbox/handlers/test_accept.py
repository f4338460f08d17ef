"""Accept: only the followed account can accept, and only a follow we sent."""

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from tests.support.inbox import receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_accept_marks_follow_accepted(node: Node, alice: Actor, zoe: Actor) -> None:
    follow = await node.publisher.follow(alice, zoe)
    accept = {
        "id": f"{zoe.uri}#accepts/1",
        "type": "Accept",
        "actor": zoe.uri,
        "object": {"id": follow.uri, "type": "Follow", "actor": alice.uri, "object": zoe.uri},
    }
    item = await receive(node, zoe, accept)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert (await follows_db.by_id(conn, follow.id)).accepted  # type: ignore[union-attr]


async def test_accept_by_id_only(node: Node, alice: Actor, zoe: Actor) -> None:
    follow = await node.publisher.follow(alice, zoe)
    item = await receive(
        node,
        zoe,
        {"id": f"{zoe.uri}#a/2", "type": "Accept", "actor": zoe.uri, "object": follow.uri},
    )
    assert item.state == "done"
    async with node.pool.acquire() as conn:
        assert (await follows_db.by_id(conn, follow.id)).accepted  # type: ignore[union-attr]


async def test_accept_with_no_matching_follow_is_refused(node: Node, zoe: Actor) -> None:
    item = await receive(
        node,
        zoe,
        {
            "id": f"{zoe.uri}#a/3",
            "type": "Accept",
            "actor": zoe.uri,
            "object": "https://fedi.test/users/alice#follows/unknown",
        },
    )
    assert item.state == "refused"
    assert "answers no follow request" in (item.last_error or "")


async def test_only_the_followed_account_may_accept(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    follow = await node.publisher.follow(alice, zoe)
    item = await receive(
        node,
        mallory,
        {"id": f"{mallory.uri}#a/4", "type": "Accept", "actor": mallory.uri, "object": follow.uri},
    )
    assert item.state == "refused"
    async with node.pool.acquire() as conn:
        assert not (await follows_db.by_id(conn, follow.id)).accepted  # type: ignore[union-attr]
