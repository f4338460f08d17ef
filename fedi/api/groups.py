"""Our group API (/api/fedi/v1): list, create, read and change groups; join and leave them.

A group the caller may not see answers exactly as a missing one (fedi.domain.groups.
visible_group), so that no one learns that a confidential group exists by asking for it.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import optional_user, require_user
from fedi.api.context import api_context
from fedi.api.entities.groups import group_to_json, groups_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.domain import groups
from fedi.domain.groups import NewGroup
from fedi.errors import InvalidInput, NotFound
from outbox.group_actions import GroupActions, GroupChange

PREFIX = "/api/fedi/v1"
NOT_FOUND = "Record not found"
MAX_ID = 2**63 - 1
MAX_LANGUAGE = 35  # the longest BCP 47 tag worth keeping


def path_id(request: Request, name: str = "id") -> int:
    """An id from the path; one that cannot be an id is as missing as an unknown one."""
    try:
        value = int(request.path_params[name])
    except ValueError:
        raise NotFound(NOT_FOUND) from None
    if not 0 < value <= MAX_ID:
        raise NotFound(NOT_FOUND)
    return value


def group_actions(request: Request) -> GroupActions:
    return GroupActions(api_context(request).publisher)


async def seen_group(conn: Any, request: Request, viewer: Actor | None) -> Group:
    return await groups.visible_group(conn, viewer, path_id(request))


async def render_group(request: Request, viewer: Actor | None, group_id: int) -> Response:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await groups.visible_group(conn, viewer, group_id)
        return OrjsonResponse(await group_to_json(conn, context.urls, viewer, group))


def _rules(params: Params) -> list[str] | None:
    if "rules" not in params:
        return None
    return params.strings("rules", max_items=groups.MAX_RULES)


async def index(request: Request) -> Response:
    viewer = await optional_user(request, "read")
    params = await Params.read(request)
    page = Page.from_params(params, default=20, maximum=40)
    member_only = params.flag("member")
    if member_only and viewer is None:
        raise InvalidInput("member=true needs a signed-in account")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        ids = await groups_db.visible_group_ids(
            conn,
            viewer.id if viewer else None,
            bool(viewer and viewer.local),
            page,
            member_only=member_only,
        )
        found = [group for i in ids if (group := await groups.group_by_id(conn, i)) is not None]
        rendered = await groups_to_json(conn, context.urls, viewer, found)
    return OrjsonResponse(rendered, headers=paged_headers(request, ids))


async def create(request: Request) -> Response:
    owner = await require_user(request, "write")
    params = await Params.read(request)
    username = (params.text("username", max_length=100) or "").strip()
    if not username:
        raise InvalidInput("username is required: the group's short name")
    visibility = params.text("visibility", max_length=20)
    if not visibility:
        # A group's reach is a decision, never a default: confidential is a promise to members.
        raise InvalidInput("visibility is required: public, members or confidential")
    new = NewGroup(
        username=username,
        display_name=params.text("display_name", "", max_length=groups.MAX_NAME * 2) or "",
        summary=params.text("note", "", max_length=groups.MAX_DESCRIPTION * 2) or "",
        visibility=visibility,
        join_policy=params.text("join_policy", "approval", max_length=20) or "approval",
        language=params.text("language", max_length=MAX_LANGUAGE) or None,
        rules=tuple(_rules(params) or ()),
    )
    group, _ = await group_actions(request).create_group(owner, new)
    return await render_group(request, owner, group.id)


async def show(request: Request) -> Response:
    viewer = await optional_user(request, "read")
    return await render_group(request, viewer, path_id(request))


async def update(request: Request) -> Response:
    admin = await require_user(request, "write")
    params = await Params.read(request)
    change = GroupChange(
        display_name=params.text("display_name", max_length=groups.MAX_NAME * 2),
        summary=params.text("note", max_length=groups.MAX_DESCRIPTION * 2),
        visibility=params.text("visibility", max_length=20) or None,
        join_policy=params.text("join_policy", max_length=20) or None,
        language=params.text("language", max_length=MAX_LANGUAGE),
        rules=_rules(params),
    )
    group = await group_actions(request).update_group(admin, path_id(request), change)
    return await render_group(request, admin, group.id)


async def join(request: Request) -> Response:
    actor = await require_user(request, "write")
    group_id = path_id(request)
    await group_actions(request).join(actor, group_id)
    return await render_group(request, actor, group_id)


async def leave(request: Request) -> Response:
    actor = await require_user(request, "write")
    await group_actions(request).leave(actor, path_id(request))
    # The group may be out of sight now (a members-only one): nothing about it is returned.
    return OrjsonResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/groups", index, methods=["GET"]),
        Route(f"{PREFIX}/groups", create, methods=["POST"]),
        Route(f"{PREFIX}/groups/{{id}}", show, methods=["GET"]),
        Route(f"{PREFIX}/groups/{{id}}", update, methods=["PATCH"]),
        Route(f"{PREFIX}/groups/{{id}}/join", join, methods=["POST"]),
        Route(f"{PREFIX}/groups/{{id}}/leave", leave, methods=["POST"]),
    ]
