"""Stores a verified activity once, durably, and wakes the inbox workers."""

from typing import Any

from fedi.db import inbox_items
from fedi.db.actors import Actor


async def store_activity(pool: Any, activity: dict[str, Any], signer: Actor) -> bool:
    """True when the activity is new; False when its id was stored before.

    Returns only after the commit, so a 202 sent afterwards never loses the activity.
    """
    async with pool.acquire() as conn, conn.transaction():
        item_id = await inbox_items.insert(
            conn,
            activity_uri=activity["id"],
            activity_type=activity["type"],
            signer_id=signer.id,
            document=activity,
        )
        if item_id is not None:
            await inbox_items.notify(conn)
    return item_id is not None
