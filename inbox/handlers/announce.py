"""Announce: a remote account boosts a post (fetching it when we do not have it yet)."""

from typing import Any

from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db import reactions as reactions_db
from fedi.db.posts import Post
from fedi.domain.notifications import notify
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import note_from, object_id, require_same_host, store_note
from webfinger.resolver import ResolveError


@handler("Announce")
async def on_announce(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    target = object_id(activity)
    post = await posts_db.by_uri(ctx.conn, target)
    if post is None:
        post = await _fetch_boosted(ctx, target)
        if post is None:
            return
    if post.visibility not in ("public", "unlisted"):
        raise Refused("only public and unlisted posts can be boosted")
    if await reactions_db.add(ctx.conn, "boosts", activity["id"], ctx.signer.id, post.id):
        await notify(ctx.conn, post.actor_id, "reblog", ctx.signer.id, post.id)


async def _fetch_boosted(ctx: HandlerContext, target: str) -> Post | None:
    """A boosted post we have not seen: kept only if a local account follows the booster."""
    if await follows_db.count_local_followers(ctx.conn, ctx.signer.id) == 0:
        return None
    if await posts_db.is_tombstoned(ctx.conn, target):
        return None
    try:
        # The embedded copy is not trusted (the booster is not its author): fetch by id.
        document = await ctx.resolver.fetch_object(target)
    except ResolveError as exc:
        raise Refused(str(exc)) from exc
    note = await note_from(ctx, document)
    try:
        author = await ctx.resolver.actor_by_uri(note.attributed_to)
    except ResolveError as exc:
        raise Refused(f"the boosted post's author cannot be found: {exc}") from exc
    require_same_host(note.id, author)
    await store_note(ctx, note, author)
    return await posts_db.by_uri(ctx.conn, note.id)
