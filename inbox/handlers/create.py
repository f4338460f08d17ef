"""Create: a remote post arrives."""

from typing import Any

from fedi.db import posts as posts_db
from fedi.domain import policy
from fedi.domain.media import keep_remote_media
from fedi.domain.notifications import notify_mentions
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import is_relevant, note_from, require_same_host, store_note


@handler("Create")
async def on_create(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    note = await note_from(ctx, activity.get("object"))
    require_same_host(note.id, ctx.signer)
    if note.attributed_to != ctx.signer.uri:
        raise Refused(f"{note.id} is attributed to {note.attributed_to}, not to its sender")
    # Only the author's own Delete counts: anyone on its host may send one for any id.
    if await posts_db.is_tombstoned(ctx.conn, note.id, by=ctx.signer.uri):
        raise Refused(f"{note.id} was deleted; a replayed Create is refused")
    if not await is_relevant(ctx, note, ctx.signer):
        return  # nobody here follows, is mentioned or is answered: nothing to keep
    post = await store_note(ctx, note, ctx.signer)
    if post is not None:
        await notify_mentions(ctx.conn, post)
    if post is not None and note.attachments:
        if not await policy.rejects_media(ctx.conn, ctx.signer.domain):
            await keep_remote_media(ctx.conn, ctx.signer.id, post.id, note.attachments)
