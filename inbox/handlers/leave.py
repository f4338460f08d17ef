"""Leave: a remote member leaves a local group (Mobilizon's verb; others Undo their Follow)."""

from typing import Any

from inbox.handlers import HandlerContext, handler
from inbox.handlers.common import object_id
from inbox.handlers.join import group_named, leave_group


@handler("Leave")
async def on_leave(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    await leave_group(ctx, await group_named(ctx, object_id(activity)))
