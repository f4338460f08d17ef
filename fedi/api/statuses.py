"""Mastodon client API: statuses — posting, reading, editing, deleting, and threads.

A new status whose text mentions a local group the author belongs to goes into that group
(fedi.domain.group_mentions chooses the group and space), and takes the group's visibility.
"""

from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import caller, optional_user, require_user
from fedi.api.context import api_context
from fedi.api.entities.status_edits import edits_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.params import Params
from fedi.api.status_lookup import (
    NOT_FOUND,
    own_post,
    parse_status_id,
    path_status_id,
    render_status,
    visible_status,
)
from fedi.db import idempotency as idempotency_db
from fedi.db import media as media_db
from fedi.db import posts as posts_db
from fedi.db import status_edits as status_edits_db
from fedi.db import threads
from fedi.db import users as users_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.db.users import PostingDefaults
from fedi.domain.group_mentions import group_for_post
from fedi.domain.posts import Draft, MediaEdit, may_see, visible_status_ids
from fedi.errors import InvalidInput, NotFound

# Mastodon's visibility names in ours; `local_only` (GoToSocial's) asks for our `local`.
VISIBILITY = {
    "public": "public",
    "unlisted": "unlisted",
    "private": "followers",
    "direct": "direct",
}
MAX_IDS = 40
MAX_IDEMPOTENCY_KEY = 256
# How far a thread is read: Mastodon's limits for anonymous callers, wider for signed-in ones.
ANCESTORS = {False: 40, True: 100}
DESCENDANTS = {False: 60, True: 300}
DESCENDANT_DEPTH = {False: 20, True: 60}


def _refuse_unsupported(params: Params) -> None:
    """Features a client may ask for that this server lacks: refused, never silently dropped."""
    if params.raw("poll") not in (None, "", {}, []):
        raise InvalidInput("polls are not supported")
    if params.raw("scheduled_at") not in (None, ""):
        raise InvalidInput("scheduled posts are not supported")


def _visibility(params: Params, default: str) -> str:
    name = params.text("visibility") or None
    if name is None:
        visibility = default
    elif name in VISIBILITY:
        visibility = VISIBILITY[name]
    else:
        raise InvalidInput(f"visibility must be one of {', '.join(VISIBILITY)}")
    if params.flag("local_only"):
        if visibility not in ("public", "unlisted", "local"):
            raise InvalidInput("local_only applies to public and unlisted posts")
        return "local"
    return visibility


def _media_ids(params: Params) -> tuple[int, ...]:
    ids = []
    for value in params.strings("media_ids", max_items=20):
        if value == "":
            continue
        media_id = parse_status_id(value)
        if media_id is None:
            raise InvalidInput(f"media_ids must be attachment ids, not {value!r}")
        ids.append(media_id)
    return tuple(ids)


def _focus(value: Any) -> tuple[float, float] | None:
    if value in (None, ""):
        return None
    try:
        x, y = (float(part) for part in str(value).split(","))
    except ValueError:
        raise InvalidInput("focus must be two numbers such as '0.5,-0.2'") from None
    return x, y


def _media_edits(params: Params) -> tuple[MediaEdit, ...]:
    """`media_attributes[][id]=..&media_attributes[][description]=..`, or the same in JSON."""
    raw = params.raw("media_attributes")
    if raw is None:
        return ()
    items = list(raw.values()) if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise InvalidInput("media_attributes must be a list of objects")
    edits = []
    for item in items:
        media_id = parse_status_id(item.get("id"))
        if media_id is None:
            raise InvalidInput("each of media_attributes needs the attachment's id")
        description = item.get("description")
        if description is not None and not isinstance(description, str):
            raise InvalidInput("an attachment's description must be text")
        edits.append(MediaEdit(media_id, description, _focus(item.get("focus"))))
    return tuple(edits)


def _reply_to(params: Params) -> int | None:
    value = params.text("in_reply_to_id")
    if not value:
        return None
    parent = parse_status_id(value)
    if parent is None:
        raise NotFound("the post you reply to does not exist")
    return parent


def _translations(params: Params) -> dict[str, str] | None:
    """fedi's own `content_map[<language>]=text` (a JSON object in a JSON body): the post in
    other languages, as plain text. None when not given; empty texts are left out, so an edit
    may send `content_map[fr]=` to drop every other language."""
    raw = params.raw("content_map")
    if raw is None:
        return None
    if raw == "":
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("content_map must map language codes to text, as content_map[fr]=...")
    translations = {}
    for code, text in raw.items():
        if text is None or text == "":
            continue
        if not isinstance(text, str):
            raise InvalidInput(f"content_map[{code}] must be text")
        translations[str(code)] = text
    return translations


def new_draft(params: Params, defaults: PostingDefaults, app_id: int | None) -> Draft:
    _refuse_unsupported(params)
    return Draft(
        text=params.text("status") or "",
        visibility=_visibility(params, defaults.visibility),
        summary=params.text("spoiler_text") or "",
        sensitive=params.flag("sensitive", defaults.sensitive),
        language=params.text("language") or defaults.language,
        translations=_translations(params),
        in_reply_to_id=_reply_to(params),
        media_ids=_media_ids(params),
        app_id=app_id,
    )


def edited_draft(params: Params, post: Post, media_ids: list[int]) -> Draft:
    """The post as the edit leaves it: what the client sent, the rest as it was.

    Mastodon replaces every field, absent or not; keeping what a client left out instead means
    an app that sends only the new text does not strip the attachments. The same goes for the
    post's other languages (`content_map`, which Mastodon apps neither show nor send).
    """
    _refuse_unsupported(params)

    def given(name: str) -> bool:
        return params.raw(name) is not None  # JSON's null is as good as leaving it out

    summary = params.text("spoiler_text") if given("spoiler_text") else post.summary
    if given("sensitive"):
        sensitive = params.flag("sensitive")
    elif given("spoiler_text"):
        sensitive = bool(summary and summary.strip())
    else:
        sensitive = post.sensitive
    return Draft(
        text=(params.text("status") or "") if given("status") else (post.source or ""),
        visibility=post.visibility,
        summary=summary or "",
        sensitive=sensitive,
        language=params.text("language") or post.language,
        translations=_translations(params),
        in_reply_to_id=post.in_reply_to_id,
        media_ids=_media_ids(params) if given("media_ids") else tuple(media_ids),
        media_edits=_media_edits(params),
    )


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key", "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(f"Idempotency-Key may have at most {MAX_IDEMPOTENCY_KEY} characters")
    return key or None


async def create(request: Request) -> Response:
    actor = await require_user(request, "write:statuses")
    found = await caller(request)
    app_id = found.token.app_id if found else None
    params = await Params.read(request)
    key = _idempotency_key(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        earlier = await idempotency_db.post_for(conn, actor.id, key) if key else None
        if earlier is not None:
            return JSONResponse(await render_status(conn, context, actor, earlier))
        defaults = await users_db.posting_defaults(conn, actor.id)
        draft = new_draft(params, defaults, app_id)
        target = await group_for_post(
            conn,
            actor,
            draft.text,
            context.settings.domain,
            visibility=draft.visibility,
            in_reply_to_id=draft.in_reply_to_id,
        )
    if target is not None:
        draft = replace(draft, group_id=target.group_id, space_id=target.space_id)
    post = await context.publisher.post(actor, draft)
    async with context.pool.acquire() as conn:
        # Recorded after the post: a retry arriving while the first request still runs would
        # post twice, which Mastodon's clients (retrying after a failed request) do not do.
        if key:
            await idempotency_db.remember(conn, actor.id, key, post.id)
        return JSONResponse(await render_status(conn, context, actor, post.id))


async def show(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    status_id = path_status_id(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        await visible_status(conn, viewer, status_id)
        return JSONResponse(await render_status(conn, context, viewer, status_id))


async def show_many(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    params = await Params.read(request)
    wanted = [parse_status_id(value) for value in params.strings("id", max_items=MAX_IDS)]
    ids = list(dict.fromkeys(i for i in wanted if i is not None))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        visible = await visible_status_ids(conn, viewer, ids)
        return JSONResponse(await statuses_to_json(conn, context.urls, viewer, visible))


async def delete(request: Request) -> Response:
    actor = await require_user(request, "write:statuses")
    status_id = path_status_id(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        post = await own_post(conn, actor, status_id)
        # Rendered before it goes, with its source text, so that an app can redraft it.
        status = await render_status(conn, context, actor, post.id)
    status["text"] = post.source if post.source is not None else ""
    await context.publisher.delete(actor, post.id)
    return JSONResponse(status)


async def edit(request: Request) -> Response:
    actor = await require_user(request, "write:statuses")
    status_id = path_status_id(request)
    params = await Params.read(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        post = await own_post(conn, actor, status_id)
        media_ids = [row.id for row in await media_db.of_post(conn, post.id)]
    await context.publisher.edit(actor, post.id, edited_draft(params, post, media_ids))
    async with context.pool.acquire() as conn:
        return JSONResponse(await render_status(conn, context, actor, post.id))


async def _visible_post(conn: Any, viewer: Actor | None, status_id: int) -> Post:
    """A post (not a boost) the viewer may see."""
    post = await posts_db.by_id(conn, status_id)
    if post is None or not await may_see(conn, post, viewer):
        raise NotFound(NOT_FOUND)
    return post


async def history(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    status_id = path_status_id(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        post = await _visible_post(conn, viewer, status_id)
        earlier = await status_edits_db.earlier_versions(conn, post.id)
        return JSONResponse(await edits_to_json(conn, context.urls, post, earlier))


async def source(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    status_id = path_status_id(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        post = await _visible_post(conn, viewer, status_id)
    # A remote post has no plain-text source; Mastodon gives its HTML there too.
    text = post.source if post.source is not None else post.content
    return JSONResponse({"id": str(post.id), "text": text, "spoiler_text": post.summary})


async def thread_context(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    status_id = path_status_id(request)
    signed_in = viewer is not None
    context = api_context(request)
    async with context.pool.acquire() as conn:
        await visible_status(conn, viewer, status_id)
        # A boost id answers with an empty thread, as in Mastodon: a boost replies to nothing.
        above = await threads.ancestors(conn, status_id, ANCESTORS[signed_in])
        below = await threads.descendants(
            conn, status_id, DESCENDANTS[signed_in], DESCENDANT_DEPTH[signed_in]
        )
        # Each post of the thread is shown only if the viewer may see it, whatever its parent.
        allowed = set(await visible_status_ids(conn, viewer, above + below))
        ancestors = await statuses_to_json(
            conn, context.urls, viewer, [i for i in above if i in allowed]
        )
        descendants = await statuses_to_json(
            conn, context.urls, viewer, [i for i in below if i in allowed]
        )
    return JSONResponse({"ancestors": ancestors, "descendants": descendants})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/statuses", create, methods=["POST"]),
        Route("/api/v1/statuses", show_many, methods=["GET"]),
        Route("/api/v1/statuses/{id}", show, methods=["GET"]),
        Route("/api/v1/statuses/{id}", delete, methods=["DELETE"]),
        Route("/api/v1/statuses/{id}", edit, methods=["PUT"]),
        Route("/api/v1/statuses/{id}/history", history, methods=["GET"]),
        Route("/api/v1/statuses/{id}/source", source, methods=["GET"]),
        Route("/api/v1/statuses/{id}/context", thread_context, methods=["GET"]),
    ]
