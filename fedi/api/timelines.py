"""Mastodon client API: the home, public and hashtag timelines."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import optional_user, require_user
from fedi.api.context import api_context
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import timelines as timelines_db
from fedi.db.actors import Actor


async def home(request: Request) -> Response:
    viewer = await require_user(request, "read:statuses")
    page = Page.from_params(await Params.read(request))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        ids = await timelines_db.home(conn, viewer.id, viewer.local, page)
        return await _statuses(request, conn, viewer, ids)


async def public(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    params = await Params.read(request)
    page = Page.from_params(params)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        ids = await timelines_db.public(
            conn,
            viewer.id if viewer else None,
            bool(viewer and viewer.local),
            page,
            local=params.flag("local"),
            remote=params.flag("remote"),
            only_media=params.flag("only_media"),
        )
        return await _statuses(request, conn, viewer, ids)


async def tag(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    params = await Params.read(request)
    page = Page.from_params(params)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        ids = await timelines_db.tag(
            conn,
            viewer.id if viewer else None,
            bool(viewer and viewer.local),
            page,
            request.path_params["hashtag"],
            any_of=params.strings("any"),
            all_of=params.strings("all"),
            none_of=params.strings("none"),
            local=params.flag("local"),
            remote=params.flag("remote"),
            only_media=params.flag("only_media"),
        )
        return await _statuses(request, conn, viewer, ids)


async def _statuses(
    request: Request, conn: object, viewer: Actor | None, ids: list[int]
) -> Response:
    statuses = await statuses_to_json(conn, api_context(request).urls, viewer, ids)
    return OrjsonResponse(statuses, headers=paged_headers(request, ids))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/timelines/home", home, methods=["GET"]),
        Route("/api/v1/timelines/public", public, methods=["GET"]),
        Route("/api/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
    ]
