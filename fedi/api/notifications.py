"""Mastodon client API: notifications."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.notifications import notifications_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import markers as markers_db
from fedi.db import notifications as notifications_db
from fedi.db.notifications import Selection
from fedi.errors import NotFound

UNREAD_DEFAULT = 100
UNREAD_MAX = 1000


def _selection(params: Params) -> Selection:
    """types[], exclude_types[] and account_id; unknown types match nothing, as in Mastodon."""
    types = params.strings("types")
    return Selection(
        types=[t for t in types if t in notifications_db.TYPES] if types else None,
        exclude_types=tuple(params.strings("exclude_types")),
        from_actor_id=params.integer("account_id"),
    )


def _notification_id(request: Request) -> int:
    try:
        return int(request.path_params["id"])
    except ValueError:
        raise NotFound("Record not found") from None


async def index(request: Request) -> Response:
    recipient = await require_user(request, "read:notifications")
    params = await Params.read(request)
    page = Page.from_params(params, default=40, maximum=80)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        found = await notifications_db.page(
            conn, recipient.id, recipient.local, page, _selection(params)
        )
        entities = await notifications_to_json(conn, context.urls, recipient, found)
    return OrjsonResponse(entities, headers=paged_headers(request, [n.id for n in found]))


async def show(request: Request) -> Response:
    recipient = await require_user(request, "read:notifications")
    notification_id = _notification_id(request)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        found = await notifications_db.one(conn, recipient.id, recipient.local, notification_id)
        entities = await notifications_to_json(
            conn, context.urls, recipient, [found] if found else []
        )
    if not entities:
        raise NotFound("Record not found")
    return OrjsonResponse(entities[0])


async def dismiss(request: Request) -> Response:
    recipient = await require_user(request, "write:notifications")
    notification_id = _notification_id(request)
    async with api_context(request).pool.acquire() as conn:
        if not await notifications_db.dismiss(conn, recipient.id, notification_id):
            raise NotFound("Record not found")
    return OrjsonResponse({})


async def clear(request: Request) -> Response:
    recipient = await require_user(request, "write:notifications")
    async with api_context(request).pool.acquire() as conn:
        await notifications_db.clear(conn, recipient.id)
    return OrjsonResponse({})


async def unread_count(request: Request) -> Response:
    """Notifications newer than the notifications marker."""
    recipient = await require_user(request, "read:notifications")
    params = await Params.read(request)
    limit = params.integer("limit", UNREAD_DEFAULT, minimum=1, maximum=UNREAD_MAX, clamp=True)
    async with api_context(request).pool.acquire() as conn:
        last_read = await markers_db.last_read(conn, recipient.id, "notifications")
        count = await notifications_db.count_after(
            conn,
            recipient.id,
            recipient.local,
            last_read or 0,
            _selection(params),
            limit or UNREAD_DEFAULT,
        )
    return OrjsonResponse({"count": count})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/notifications", index, methods=["GET"]),
        Route("/api/v1/notifications/unread_count", unread_count, methods=["GET"]),
        Route("/api/v1/notifications/clear", clear, methods=["POST"]),
        Route("/api/v1/notifications/{id}", show, methods=["GET"]),
        Route("/api/v1/notifications/{id}/dismiss", dismiss, methods=["POST"]),
    ]
