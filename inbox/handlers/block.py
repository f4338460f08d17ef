"""Block: a remote account blocks a local one; follows between them end."""

from typing import Any

from fedi.db import blocks as blocks_db
from fedi.db import follows as follows_db
from inbox.handlers import HandlerContext, handler
from inbox.handlers.common import local_actor, object_id


@handler("Block")
async def on_block(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    target = await local_actor(ctx, object_id(activity))
    if target is None:
        return
    await blocks_db.add(ctx.conn, activity["id"], ctx.signer.id, target.id)
    await follows_db.remove_between_both_ways(ctx.conn, ctx.signer.id, target.id)
