"""Reject: a remote account refuses (or removes) a local account's follow."""

from typing import Any

from fedi.db import follows as follows_db
from inbox.handlers import HandlerContext, handler
from inbox.handlers.common import answered_follow
from inbox.handlers.join import answer_invite


@handler("Reject")
async def on_reject(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    if await answer_invite(ctx, activity, accept=False):
        return  # a remote invitee's answer to a local group's Invite
    follow = await answered_follow(ctx, activity)
    await follows_db.remove(ctx.conn, follow.id)
