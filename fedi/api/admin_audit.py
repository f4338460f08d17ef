"""fedi's admin API: the audit log of admin and moderator actions, newest first (admins only)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_admin
from fedi.api.context import api_context
from fedi.api.entities.accounts import accounts_to_json
from fedi.api.entities.times import api_time
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.db import actors as actors_db
from fedi.domain import audit
from fedi.domain.audit import AuditEntry
from fedi.urls import Urls


async def entries_to_json(conn: Any, urls: Urls, found: list[AuditEntry]) -> list[dict[str, Any]]:
    ids = sorted({e.actor_id for e in found if e.actor_id is not None})
    actors = await actors_db.by_ids(conn, ids)
    accounts = dict(
        zip([a.id for a in actors], await accounts_to_json(conn, urls, actors), strict=True)
    )
    return [
        {
            "id": str(entry.id),
            # None: the node itself (a command run on the server, or an automatic rule).
            "account": None if entry.actor_id is None else accounts.get(entry.actor_id),
            "account_id": None if entry.actor_id is None else str(entry.actor_id),
            "action": entry.action,
            "target_type": entry.target_type,
            "target": entry.target,
            "reason": entry.reason,
            "created_at": api_time(entry.created_at),
        }
        for entry in found
    ]


async def index(request: Request) -> Response:
    await require_admin(request, "admin:read")
    params = await Params.read(request)
    page = Page.from_params(params, default=100, maximum=500)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        found = await audit.entries(conn, limit=page.limit, max_id=page.max_id, since_id=page.lower)
        body = await entries_to_json(conn, context.urls, found)
    return JSONResponse(body, headers=paged_headers(request, [e.id for e in found]))


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/admin/audit_log", index, methods=["GET"])]
