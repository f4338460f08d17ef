"""Our group API: a group's spaces, the posts in one, and posting into it.

A space the caller may not see (a members-only space of a public group, for a non-member)
answers as a missing one. Posts are Mastodon Status entities, paged with Link headers as the
timelines are; a new post takes the strictest visibility of its group and space.
"""

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import caller, optional_user, require_user
from fedi.api.context import api_context
from fedi.api.entities.groups import space_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.groups import PREFIX, group_actions, path_id, seen_group
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.api.status_lookup import render_status
from fedi.api.statuses import new_draft
from fedi.db import groups as groups_db
from fedi.db import users as users_db
from fedi.domain import groups
from fedi.errors import InvalidInput

MAX_SLUG = 40


async def index(request: Request) -> Response:
    viewer = await optional_user(request, "read")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, viewer)
        spaces = await groups.visible_spaces(conn, group, viewer)
    return OrjsonResponse([space_to_json(space) for space in spaces])


async def create(request: Request) -> Response:
    admin = await require_user(request, "write")
    params = await Params.read(request)
    name = (params.text("name", max_length=groups.MAX_NAME * 2) or "").strip()
    if not name:
        raise InvalidInput("name is required")
    # Without a short name of its own, the space's name is it, as `fedi space create` does.
    slug = (params.text("slug", max_length=MAX_SLUG * 2) or name).strip().lower()
    space = await group_actions(request).create_space(
        admin,
        path_id(request),
        slug=slug,
        name=name,
        description=params.text("description", "", max_length=groups.MAX_DESCRIPTION * 2) or "",
        visibility=params.text("visibility", max_length=20) or None,
    )
    return OrjsonResponse(space_to_json(space))


async def show(request: Request) -> Response:
    viewer = await optional_user(request, "read")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, viewer)
        space = await groups.visible_space(conn, group, viewer, path_id(request, "space_id"))
    return OrjsonResponse(space_to_json(space))


async def update(request: Request) -> Response:
    admin = await require_user(request, "write")
    params = await Params.read(request)
    space = await group_actions(request).update_space(
        admin,
        path_id(request),
        path_id(request, "space_id"),
        name=params.text("name", max_length=groups.MAX_NAME * 2),
        description=params.text("description", max_length=groups.MAX_DESCRIPTION * 2),
        visibility=params.text("visibility", max_length=20) or None,
    )
    return OrjsonResponse(space_to_json(space))


async def statuses(request: Request) -> Response:
    viewer = await optional_user(request, "read:statuses")
    page = Page.from_params(await Params.read(request))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, viewer)
        space = await groups.visible_space(conn, group, viewer, path_id(request, "space_id"))
        ids = await groups_db.space_status_ids(
            conn, space.id, viewer.id if viewer else None, bool(viewer and viewer.local), page
        )
        rendered = await statuses_to_json(conn, context.urls, viewer, ids)
    return OrjsonResponse(rendered, headers=paged_headers(request, ids))


async def post(request: Request) -> Response:
    author = await require_user(request, "write:statuses")
    found = await caller(request)
    params = await Params.read(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, author)
        # A space the author may not see is missing to them, not forbidden.
        space = await groups.visible_space(conn, group, author, path_id(request, "space_id"))
        defaults = await users_db.posting_defaults(conn, author.id)
    draft = new_draft(params, defaults, found.token.app_id if found else None)
    # The group and space decide the visibility; a `visibility` sent is ignored.
    written = await context.publisher.post(
        author, replace(draft, group_id=group.id, space_id=space.id)
    )
    async with context.pool.acquire() as conn:
        return OrjsonResponse(await render_status(conn, context, author, written.id))


def routes() -> list[BaseRoute]:
    spaces = f"{PREFIX}/groups/{{id}}/spaces"
    return [
        Route(spaces, index, methods=["GET"]),
        Route(spaces, create, methods=["POST"]),
        Route(f"{spaces}/{{space_id}}", show, methods=["GET"]),
        Route(f"{spaces}/{{space_id}}", update, methods=["PATCH"]),
        Route(f"{spaces}/{{space_id}}/statuses", statuses, methods=["GET"]),
        Route(f"{spaces}/{{space_id}}/statuses", post, methods=["POST"]),
    ]
