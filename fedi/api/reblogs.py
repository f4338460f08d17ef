"""Mastodon client API: reblogs — boosting a status and who boosted it."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import ApiContext, api_context
from fedi.api.favourites import reaction_accounts
from fedi.api.params import Params
from fedi.api.status_lookup import (
    NOT_FOUND,
    acting_on_original,
    original_post,
    path_status_id,
    render_status,
)
from fedi.db import reactions as reactions_db
from fedi.db import users as users_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.errors import InvalidInput, NotFound

# Mastodon's names for a boost's audience in ours.
BOOST_VISIBILITY = {"public": "public", "unlisted": "unlisted", "private": "followers"}


async def reblog(request: Request) -> Response:
    actor = await require_user(request, "write:statuses")
    status_id = path_status_id(request)
    params = await Params.read(request)
    name = params.text("visibility") or None
    if name is not None and name not in BOOST_VISIBILITY:
        raise InvalidInput(f"visibility must be one of {', '.join(BOOST_VISIBILITY)}")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        post = await original_post(conn, actor, status_id)
        if name is None:
            # Mastodon boosts with the account's default audience; ours may be one a boost
            # cannot have (direct, local), and then the boost is public.
            default = (await users_db.posting_defaults(conn, actor.id)).visibility
            visibility = default if default in BOOST_VISIBILITY.values() else "public"
        else:
            visibility = BOOST_VISIBILITY[name]
    await context.publisher.boost(actor, post.id, visibility)
    async with context.pool.acquire() as conn:
        boost = await reactions_db.find(conn, "boosts", actor.id, post.id)
        if boost is None:
            raise NotFound(NOT_FOUND)  # undone by a request that ran at the same time
        return JSONResponse(await render_status(conn, context, actor, boost.id))


async def _unboost(context: ApiContext, actor: Actor, post: Post) -> None:
    await context.publisher.unboost(actor, post.id)


unreblog = acting_on_original("write:statuses", _unboost)


async def reblogged_by(request: Request) -> Response:
    return await reaction_accounts(request, "boosts")


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
        Route("/api/v1/statuses/{id}/unreblog", unreblog, methods=["POST"]),
        Route("/api/v1/statuses/{id}/reblogged_by", reblogged_by, methods=["GET"]),
    ]
