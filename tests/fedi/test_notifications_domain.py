"""The rules of notify: local recipients only, never oneself, not past a block or a mute."""

from datetime import timedelta
from typing import Any

import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.notifications import notify
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def local(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def notified(node: Node, recipient: Actor, kind: str, sender: Actor) -> int | None:
    async with node.pool.acquire() as conn:
        return await notify(conn, recipient.id, kind, sender.id)


async def execute(node: Node, sql: str, *args: Any) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(sql, *args)


async def test_local_recipient_is_notified_once(node: Node) -> None:
    alice, bob = await local(node, "alice"), await local(node, "bob")
    first = await notified(node, alice, "follow", bob)
    assert first is not None
    assert await notified(node, alice, "follow", bob) is None
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notifications") == 1


async def test_edits_notify_every_time(node: Node) -> None:
    alice, bob = await local(node, "alice"), await local(node, "bob")
    assert await notified(node, alice, "update", bob) is not None
    assert await notified(node, alice, "update", bob) is not None


async def test_remote_recipient_is_not_notified(node: Node) -> None:
    alice, zoe = await local(node, "alice"), await remote_actor(node.pool, "zoe")
    assert await notified(node, zoe, "follow", alice) is None


async def test_nobody_is_notified_of_their_own_doing(node: Node) -> None:
    alice = await local(node, "alice")
    assert await notified(node, alice, "follow", alice) is None


async def test_blocked_sender_does_not_notify(node: Node) -> None:
    alice, bob = await local(node, "alice"), await local(node, "bob")
    await execute(
        node,
        "INSERT INTO blocks (uri, blocker_id, blocked_id) VALUES ('urn:b', $1, $2)",
        alice.id,
        bob.id,
    )
    assert await notified(node, alice, "follow", bob) is None


async def test_mute_hides_notifications_only_when_asked_and_in_force(node: Node) -> None:
    alice = await local(node, "alice")
    hidden, shown, lapsed = [await local(node, n) for n in ("hidden", "shown", "lapsed")]
    mutes = [(hidden, True, None), (shown, False, None), (lapsed, True, timedelta(minutes=-1))]
    for target, hide, offset in mutes:
        await execute(
            node,
            "INSERT INTO mutes (actor_id, target_id, hide_notifications, expires_at)"
            " VALUES ($1, $2, $3, now() + $4)",
            alice.id,
            target.id,
            hide,
            offset,
        )
    assert await notified(node, alice, "follow", hidden) is None
    assert await notified(node, alice, "follow", shown) is not None
    assert await notified(node, alice, "follow", lapsed) is not None


async def test_unknown_kind_is_a_programming_error(node: Node) -> None:
    alice, bob = await local(node, "alice"), await local(node, "bob")
    with pytest.raises(ValueError):
        await notified(node, alice, "poke", bob)
