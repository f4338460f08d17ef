"""Update: an edited post, or an actor's changed profile."""

from typing import Any

from activitypub.vocab import ACTOR_TYPES, InvalidDocument, first, parse_actor
from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.domain import policy, remote_groups
from fedi.domain.html import sanitize
from fedi.domain.media import keep_remote_media
from fedi.domain.notifications import notify_edit
from fedi.domain.remote_posts import main_language
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import note_from, rendered_content, require_same_host
from webfinger.resolver import actor_columns, without_media


@handler("Update")
async def on_update(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    obj = activity.get("object")
    if isinstance(obj, dict) and first(obj.get("type")) in ACTOR_TYPES:
        await _update_actor(ctx, obj)
        return
    note = await note_from(ctx, obj)
    require_same_host(note.id, ctx.signer)
    post = await posts_db.by_uri(ctx.conn, note.id)
    if post is None:
        return  # an edit of something we never kept
    if post.actor_id != ctx.signer.id or note.attributed_to != ctx.signer.uri:
        raise Refused(f"only the author of {note.id} may update it")
    content, content_map = rendered_content(note)
    await posts_db.replace_content(
        ctx.conn,
        post,
        content=content,
        summary=sanitize(note.summary) if note.summary else "",
        sensitive=note.sensitive or bool(note.summary),
        language=main_language(note),
        content_map=content_map,
        source=None,
    )
    if not await policy.rejects_media(ctx.conn, ctx.signer.domain):
        await keep_remote_media(ctx.conn, ctx.signer.id, post.id, note.attachments)
    await notify_edit(ctx.conn, post)


async def _update_actor(ctx: HandlerContext, document: dict[str, Any]) -> None:
    if document.get("id") != ctx.signer.uri:
        raise Refused("an actor may only update itself")
    try:
        remote = parse_actor(document)
    except InvalidDocument as exc:
        raise Refused(str(exc)) from exc
    holder = await actors_db.by_key_id(ctx.conn, remote.key_id)
    if holder is not None and holder.id != ctx.signer.id:
        raise Refused(f"the key {remote.key_id} belongs to {holder.uri}")
    columns = actor_columns(remote)
    if await policy.rejects_media(ctx.conn, ctx.signer.domain):
        columns.update(without_media())
    actor = await actors_db.upsert_remote(ctx.conn, **columns)
    await remote_groups.record_document(ctx.conn, actor, document)
