"""Accept: a remote account accepts a local account's follow request."""

from typing import Any

from inbox.handlers import HandlerContext, handler
from inbox.handlers.common import answered_follow
from inbox.handlers.join import answer_invite


@handler("Accept")
async def on_accept(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    if await answer_invite(ctx, activity, accept=True):
        return  # a remote invitee's answer to a local group's Invite
    follow = await answered_follow(ctx, activity)
    if not follow.accepted:
        await ctx.conn.execute("UPDATE follows SET accepted = true WHERE id = $1", follow.id)
