"""Like: a remote account favourites a post kept here."""

from typing import Any

from fedi.db import posts as posts_db
from fedi.db import reactions as reactions_db
from fedi.domain import confidential
from fedi.domain.notifications import notify
from fedi.domain.posts import may_see
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import object_id


@handler("Like")
async def on_like(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    target = object_id(activity)
    try:
        await confidential.refuse_confidential(ctx.conn, target, ctx.settings.base_url)
    except confidential.ConfidentialLeak as exc:
        # Refused without an answer: the liker must not learn it exists.
        raise Refused("the liked object takes no reactions from other nodes") from exc
    post = await posts_db.by_uri(ctx.conn, target)
    if post is None:
        return  # a like of something we do not keep
    if post.local and not await may_see(ctx.conn, post, ctx.signer):
        raise Refused("the liked post is not visible to its liker")
    if await reactions_db.add(ctx.conn, "likes", activity["id"], ctx.signer.id, post.id):
        await notify(ctx.conn, post.actor_id, "favourite", ctx.signer.id, post.id)
