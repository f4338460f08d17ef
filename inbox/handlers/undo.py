"""Undo: a remote account takes back a Follow (of an account or a group), Join, Like, Announce
or Block."""

from typing import Any

from activitypub.vocab import first, id_of
from fedi.db import blocks as blocks_db
from fedi.db import follows as follows_db
from fedi.db import reactions as reactions_db
from fedi.domain.notifications import withdraw_follow, withdraw_reaction
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import local_actor, object_id
from inbox.handlers.join import undo_membership


@handler("Undo")
async def on_undo(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    inner = activity.get("object")
    inner_id = object_id(activity)
    if isinstance(inner, dict):
        inner_actor = id_of(inner.get("actor"))
        if inner_actor is not None and inner_actor != ctx.signer.uri:
            raise Refused("an actor may only undo its own activities")
        kind = first(inner.get("type"))
    else:
        kind = None
    if kind in (None, "Follow", "Join") and await undo_membership(ctx, inner, inner_id):
        return
    if kind in (None, "Follow"):
        follow = await follows_db.by_uri(ctx.conn, inner_id)
        if follow is None and isinstance(inner, dict):
            target = await local_actor(ctx, id_of(inner.get("object")) or "")
            follow = (
                await follows_db.between(ctx.conn, ctx.signer.id, target.id) if target else None
            )
        if follow is not None and follow.follower_id == ctx.signer.id:
            await follows_db.remove(ctx.conn, follow.id)
            await withdraw_follow(ctx.conn, follow.follower_id, follow.followee_id)
            return
    for table, verb in (("likes", "Like"), ("boosts", "Announce")):
        if kind in (None, verb):
            reaction = await reactions_db.by_uri(ctx.conn, table, inner_id)
            if reaction is not None and reaction.actor_id == ctx.signer.id:
                await reactions_db.remove(ctx.conn, table, reaction.id)
                kind_of = "favourite" if table == "likes" else "reblog"
                await withdraw_reaction(ctx.conn, kind_of, reaction.actor_id, reaction.post_id)
                return
    if kind in (None, "Block") and isinstance(inner, dict):
        target = await local_actor(ctx, id_of(inner.get("object")) or "")
        if target is not None:
            await blocks_db.remove(ctx.conn, ctx.signer.id, target.id)
