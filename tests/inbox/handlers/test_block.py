"""Block: a remote account blocks a local one; follows both ways end."""

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_block_ends_follows(node: Node, alice: Actor, zoe: Actor) -> None:
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, "https://fedi.test/f/1", alice.id, zoe.id, accepted=True)
        await follows_db.upsert(conn, "https://remote.example/f/2", zoe.id, alice.id, accepted=True)
    item = await receive(
        node, zoe, {"id": f"{zoe.uri}#b", "type": "Block", "actor": zoe.uri, "object": alice.uri}
    )
    assert item.state == "done"
    assert await count(node, "follows") == 0
    assert await count(node, "blocks") == 1


async def test_block_of_unknown_account_changes_nothing(node: Node, zoe: Actor) -> None:
    item = await receive(
        node,
        zoe,
        {
            "id": f"{zoe.uri}#b2",
            "type": "Block",
            "actor": zoe.uri,
            "object": "https://fedi.test/users/x",
        },
    )
    assert item.state == "done"
    assert await count(node, "blocks") == 0
