"""Our group API: moderators move, remove and pin the group's posts; admins read the log."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.groups import moderation_log_to_json
from fedi.api.groups import PREFIX, group_actions, path_id, seen_group
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.api.status_lookup import render_status
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.domain import groups
from fedi.errors import InvalidInput

MAX_REASON = 1_000


async def _status(request: Request, viewer: Actor, status_id: int) -> Response:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        return OrjsonResponse(await render_status(conn, context, viewer, status_id))


async def move(request: Request) -> Response:
    actor = await require_user(request, "write")
    params = await Params.read(request)
    space_id = params.integer("space_id", minimum=1, maximum=2**63 - 1)
    if space_id is None:
        raise InvalidInput("space_id is required: the space to move the post to")
    moved = await group_actions(request).move_post(
        actor, path_id(request), path_id(request, "status_id"), space_id
    )
    return await _status(request, actor, moved.id)


async def remove(request: Request) -> Response:
    moderator = await require_user(request, "write")
    params = await Params.read(request)
    reason = (params.text("reason", "", max_length=MAX_REASON) or "").strip()
    await group_actions(request).remove_post(
        moderator, path_id(request), path_id(request, "status_id"), reason
    )
    return OrjsonResponse({})


async def _pin(request: Request, *, pinned: bool) -> Response:
    moderator = await require_user(request, "write")
    status_id = path_id(request, "status_id")
    await group_actions(request).pin(moderator, path_id(request), status_id, pinned=pinned)
    return await _status(request, moderator, status_id)


async def pin(request: Request) -> Response:
    return await _pin(request, pinned=True)


async def unpin(request: Request) -> Response:
    return await _pin(request, pinned=False)


async def moderation_log(request: Request) -> Response:
    admin = await require_user(request, "read")
    page = Page.from_params(await Params.read(request), default=40, maximum=80)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, admin)
        await groups.require_role(conn, group, admin, "admin")
        entries = await groups_db.moderation_page(conn, group.id, page)
        rendered = await moderation_log_to_json(conn, context.urls, entries)
    return OrjsonResponse(rendered, headers=paged_headers(request, [e.id for e in entries]))


def routes() -> list[BaseRoute]:
    status = f"{PREFIX}/groups/{{id}}/statuses/{{status_id}}"
    return [
        Route(f"{status}/move", move, methods=["POST"]),
        Route(status, remove, methods=["DELETE"]),
        Route(f"{status}/pin", pin, methods=["POST"]),
        Route(f"{status}/unpin", unpin, methods=["POST"]),
        Route(f"{PREFIX}/groups/{{id}}/moderation_log", moderation_log, methods=["GET"]),
    ]
