"""Mastodon client API: one account's statuses, as the caller may see them.

A group's statuses are the posts in it; its pinned ones are those its moderators pinned.
"""

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
from fedi.db import groups as groups_db
from fedi.db.account_statuses import StatusFilter
from fedi.domain.posts import visible_status_ids


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
        account = await path_account(conn, request, viewer)
        group = account.actor_type == "Group"
        if pinned:
            # Accounts pin nothing here yet; groups' moderators do. Not paged, as in Mastodon.
            if not group or page.max_id is not None or page.lower is not None:
                return JSONResponse([])
            pins = await groups_db.pinned_post_ids(conn, account.id)
            ids = await visible_status_ids(conn, viewer, pins)
            return JSONResponse(await statuses_to_json(conn, context.urls, viewer, ids))
        ids = await account_statuses.status_ids(
            conn, account.id, viewer, filters, page, group=group
        )
        rendered = await statuses_to_json(conn, context.urls, viewer, ids)
    return JSONResponse(rendered, headers=paged_headers(request, ids))


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/accounts/{id:int}/statuses", statuses, methods=["GET"])]
