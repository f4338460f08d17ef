"""Mastodon client API: one account's statuses, as the caller may see them."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.accounts import path_account
from fedi.api.auth import optional_user
from fedi.api.context import api_context
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.db import account_statuses
from fedi.db.account_statuses import StatusFilter


async def statuses(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    params = await Params.read(request)
    page = Page.from_params(params)
    filters = StatusFilter(
        only_media=params.flag("only_media"),
        exclude_replies=params.flag("exclude_replies"),
        exclude_reblogs=params.flag("exclude_reblogs"),
        tagged=params.text("tagged", max_length=100) or None,
    )
    pinned = params.flag("pinned")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        account = await path_account(conn, request)
        if pinned:
            return JSONResponse([])  # nothing can be pinned here yet
        ids = await account_statuses.status_ids(conn, account.id, viewer, filters, page)
        rendered = await statuses_to_json(conn, context.urls, viewer, ids)
    return JSONResponse(rendered, headers=paged_headers(request, ids))


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/accounts/{id:int}/statuses", statuses, methods=["GET"])]
