"""Follow: open accounts accept at once, locked ones keep a request, blocks reject."""

import pytest

from fedi.app import Node
from fedi.db import blocks as blocks_db
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


def follow(actor: Actor, target: Actor, n: int = 1) -> dict[str, str]:
    return {
        "id": f"{actor.uri}#follows/{n}",
        "type": "Follow",
        "actor": actor.uri,
        "object": target.uri,
    }


async def sent(node: Node) -> list[tuple[str, str]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.activity_type, d.inbox_url FROM activities a"
            " JOIN deliveries d ON d.activity_id = a.id ORDER BY a.id"
        )
    return [(r["activity_type"], r["inbox_url"]) for r in rows]


async def test_open_account_accepts(node: Node, alice: Actor, zoe: Actor) -> None:
    item = await receive(node, zoe, follow(zoe, alice))
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert (await follows_db.between(conn, zoe.id, alice.id)).accepted  # type: ignore[union-attr]
        accept = await conn.fetchval(
            "SELECT document FROM activities WHERE activity_type = 'Accept'"
        )
    assert accept["object"]["id"] == f"{zoe.uri}#follows/1"
    assert accept["actor"] == alice.uri
    assert await sent(node) == [("Accept", zoe.inbox_url)]


async def test_locked_account_keeps_a_request(node: Node, alice: Actor, zoe: Actor) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET manually_approves_followers = true WHERE id = $1", alice.id
        )
    item = await receive(node, zoe, follow(zoe, alice))
    assert item.state == "done"
    async with node.pool.acquire() as conn:
        pending = await follows_db.pending_for(conn, alice.id)
    assert [p.follower_id for p in pending] == [zoe.id]
    assert await sent(node) == []


async def test_blocked_follower_is_rejected(node: Node, alice: Actor, zoe: Actor) -> None:
    async with node.pool.acquire() as conn:
        await blocks_db.add(conn, "https://fedi.test/b/1", alice.id, zoe.id)
    item = await receive(node, zoe, follow(zoe, alice))
    assert item.state == "done"
    assert await count(node, "follows") == 0
    assert await sent(node) == [("Reject", zoe.inbox_url)]


async def test_follow_of_unknown_account_is_refused(node: Node, zoe: Actor) -> None:
    activity = {
        "id": f"{zoe.uri}#f/9",
        "type": "Follow",
        "actor": zoe.uri,
        "object": "https://fedi.test/users/nobody",
    }
    item = await receive(node, zoe, activity)
    assert item.state == "refused"
    assert "not an account here" in (item.last_error or "")
    assert await count(node, "follows") == 0


async def test_repeated_follow_is_one_follow(node: Node, alice: Actor, zoe: Actor) -> None:
    await receive(node, zoe, follow(zoe, alice, 1))
    await receive(node, zoe, follow(zoe, alice, 2))
    assert await count(node, "follows") == 1
