"""Feeding an activity through the real store and inbox worker, as the route would."""

from typing import Any

from fedi.app import Node
from fedi.db import inbox_items
from fedi.db.actors import Actor
from fedi.db.inbox_items import InboxItem
from inbox.store import store_activity


async def receive(node: Node, signer: Actor, activity: dict[str, Any]) -> InboxItem:
    """Store the activity as verified from `signer`, process it, and return its item."""
    await store_activity(node.pool, activity, signer)
    await node.inbox_worker().run_once()
    async with node.pool.acquire() as conn:
        item = await inbox_items.by_uri(conn, activity["id"])
    assert item is not None
    return item


async def count(node: Node, table: str) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
