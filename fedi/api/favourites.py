"""Mastodon client API: favourites — liking a status, who liked it, and what one has liked."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import optional_user, require_user
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.accounts import accounts_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.status_lookup import acting_on_original, original_post, path_status_id
from fedi.db import actors as actors_db
from fedi.db import reaction_lists
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.posts import visible_status_ids


async def _like(context: ApiContext, actor: Actor, post: Post) -> None:
    await context.publisher.like(actor, post.id)


async def _unlike(context: ApiContext, actor: Actor, post: Post) -> None:
    await context.publisher.unlike(actor, post.id)


favourite = acting_on_original("write:favourites", _like)
unfavourite = acting_on_original("write:favourites", _unlike)


async def reaction_accounts(request: Request, kind: str) -> Response:
    """The accounts that liked or boosted a status, newest first, paged on the reaction's id."""
    viewer = await optional_user(request, "read:accounts")
    status_id = path_status_id(request)
    page = Page.from_params(await Params.read(request))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        post = await original_post(conn, viewer, status_id)
        reactions = await reaction_lists.on_post(conn, kind, post.id, page)
        by_id = {a.id: a for a in await actors_db.by_ids(conn, [r.actor_id for r in reactions])}
        actors = [by_id[r.actor_id] for r in reactions if r.actor_id in by_id]
        accounts = await accounts_to_json(conn, context.urls, actors)
    headers = paged_headers(request, [r.id for r in reactions])
    return JSONResponse(accounts, headers=headers)


async def favourited_by(request: Request) -> Response:
    return await reaction_accounts(request, "likes")


async def favourites(request: Request) -> Response:
    """The signed-in account's own likes, newest first; Link ids are the likes' ids."""
    actor = await require_user(request, "read:favourites")
    page = Page.from_params(await Params.read(request))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        likes = await reaction_lists.by_actor(conn, "likes", actor.id, page)
        # A liked post the account can no longer see (it unfollowed the author) is left out.
        visible = set(await visible_status_ids(conn, actor, [like.post_id for like in likes]))
        ids = [like.post_id for like in likes if like.post_id in visible]
        statuses = await statuses_to_json(conn, context.urls, actor, ids)
    return JSONResponse(statuses, headers=paged_headers(request, [like.id for like in likes]))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/statuses/{id}/favourite", favourite, methods=["POST"]),
        Route("/api/v1/statuses/{id}/unfavourite", unfavourite, methods=["POST"]),
        Route("/api/v1/statuses/{id}/favourited_by", favourited_by, methods=["GET"]),
        Route("/api/v1/favourites", favourites, methods=["GET"]),
    ]
