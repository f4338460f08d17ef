"""Mastodon client API: bookmarks — statuses an account saves, seen by nobody else."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.status_lookup import acting_on_original
from fedi.db import bookmarks as bookmarks_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.posts import visible_status_ids


async def _save(context: ApiContext, actor: Actor, post: Post) -> None:
    async with context.pool.acquire() as conn:
        await bookmarks_db.add(conn, actor.id, post.id)


async def _unsave(context: ApiContext, actor: Actor, post: Post) -> None:
    async with context.pool.acquire() as conn:
        await bookmarks_db.remove(conn, actor.id, post.id)


bookmark = acting_on_original("write:bookmarks", _save)
unbookmark = acting_on_original("write:bookmarks", _unsave)


async def bookmarks(request: Request) -> Response:
    """The account's bookmarks, newest first; Link ids are the bookmarks' own ids."""
    actor = await require_user(request, "read:bookmarks")
    page = Page.from_params(await Params.read(request))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        saved = await bookmarks_db.page(conn, actor.id, page)
        # A bookmarked post the account can no longer see (it unfollowed the author) is left out.
        visible = set(await visible_status_ids(conn, actor, [b.post_id for b in saved]))
        ids = [b.post_id for b in saved if b.post_id in visible]
        statuses = await statuses_to_json(conn, context.urls, actor, ids)
    return JSONResponse(statuses, headers=paged_headers(request, [b.id for b in saved]))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/statuses/{id}/bookmark", bookmark, methods=["POST"]),
        Route("/api/v1/statuses/{id}/unbookmark", unbookmark, methods=["POST"]),
        Route("/api/v1/bookmarks", bookmarks, methods=["GET"]),
    ]
