"""Delete: a post, or a whole remote account, goes away; a local group relays the end of a
member's post it had relayed."""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import object_id, require_same_host
from outbox import group_relay


@handler("Delete")
async def on_delete(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    target = object_id(activity)
    require_same_host(target, ctx.signer)
    if target == ctx.signer.uri:
        # The account is gone: its posts become tombstones, its row (and follows, likes) goes.
        await posts_db.delete_by_actor(ctx.conn, ctx.signer.id)
        await posts_db.add_tombstone(ctx.conn, target, target)
        await ctx.conn.execute("DELETE FROM actors WHERE id = $1 AND NOT local", ctx.signer.id)
        return
    if await actors_db.by_uri(ctx.conn, target) is not None:
        # Else it would be taken for a post not yet seen, and tombstoned under its name.
        raise Refused(f"only {target} itself may delete its account")
    post = await posts_db.by_uri(ctx.conn, target)
    if post is None:
        # Deleted before it reached us: remember, so a late Create is refused.
        await posts_db.add_tombstone(ctx.conn, target, ctx.signer.uri)
        return
    if post.actor_id != ctx.signer.id:
        raise Refused(f"only the author of {target} may delete it")
    await posts_db.delete(ctx.conn, post, ctx.signer.uri)
    group = await group_relay.local_group(ctx.conn, post.group_id)
    if group is not None:
        # The group relayed the post to its members' nodes: it relays its end too, the
        # author's Delete Announced as Lemmy does (not to the author's node: it sent it).
        await group_relay.relay_activity(
            ctx.conn,
            group,
            activity,
            post.visibility,
            ctx.settings.domain,
            except_member=ctx.signer,
        )
