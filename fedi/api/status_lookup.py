"""The status a client API path names: found only if the viewer may see it, then rendered."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fedi.api.auth import require_user
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.statuses import one_status
from fedi.db import posts as posts_db
from fedi.db import status_views
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.posts import visible_status_ids
from fedi.errors import NotFound

# Mastodon's words for a status that does not exist or that the caller may not see: the two
# must look alike, or a 403 would confirm that a private post exists.
NOT_FOUND = "Record not found"
_MAX_ID = 2**63 - 1


def parse_status_id(value: object) -> int | None:
    """A status id as a client sends it (a string of digits), or None."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= _MAX_ID else None


def path_status_id(request: Request) -> int:
    status_id = parse_status_id(request.path_params["id"])
    if status_id is None:
        raise NotFound(NOT_FOUND)
    return status_id


async def visible_status(conn: Any, viewer: Actor | None, status_id: int) -> int:
    if not await visible_status_ids(conn, viewer, [status_id]):
        raise NotFound(NOT_FOUND)
    return status_id


async def original_post(conn: Any, viewer: Actor | None, status_id: int) -> Post:
    """The post a status id names, or for a boost the boosted post, as Mastodon's actions take
    it; NotFound unless the viewer may see the status."""
    await visible_status(conn, viewer, status_id)
    post = await posts_db.by_id(conn, status_id)
    if post is None:
        boost = (await status_views.boosts_by_ids(conn, [status_id]))[status_id]
        post = await posts_db.by_id(conn, boost.post_id)
    if post is None:
        raise NotFound(NOT_FOUND)  # deleted between the two reads
    return post


async def own_post(conn: Any, author: Actor, status_id: int) -> Post:
    """The author's own post; anyone else's is as missing as one that does not exist."""
    post = await posts_db.by_id(conn, status_id)
    if post is None or post.actor_id != author.id:
        raise NotFound(NOT_FOUND)
    return post


async def render_status(
    conn: Any, context: ApiContext, viewer: Actor | None, status_id: int
) -> dict[str, Any]:
    found = await one_status(conn, context.urls, viewer, status_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


StatusAction = Callable[[ApiContext, Actor, Post], Awaitable[None]]


def acting_on_original(
    scope: str, action: StatusAction
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint doing `action` to the status its path names (a boost's original) and
    answering with that status as the caller now sees it: favourite, bookmark and their undos."""

    async def endpoint(request: Request) -> Response:
        actor = await require_user(request, scope)
        status_id = path_status_id(request)
        context = api_context(request)
        async with context.pool.acquire() as conn:
            post = await original_post(conn, actor, status_id)
        await action(context, actor, post)
        async with context.pool.acquire() as conn:
            return JSONResponse(await render_status(conn, context, actor, post.id))

    return endpoint
