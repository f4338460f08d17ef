"""Mastodon admin API: reports — list, show, assign, resolve and reopen (admins only)."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_admin
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.admin_accounts import admin_accounts_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.entities.times import api_time
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.db.reports import Filter, Report
from fedi.domain import reports
from fedi.errors import NotFound

READ = ("admin:read", "admin:read:reports")
WRITE = ("admin:write", "admin:write:reports")
MAX_ROW_ID = 2**63 - 1


async def reports_to_json(
    conn: Any, context: ApiContext, viewer: Actor, found: list[Report]
) -> list[dict[str, Any]]:
    """Admin::Report entities, their accounts and statuses loaded once for the whole page."""
    actor_ids = {
        actor_id
        for report in found
        for actor_id in (
            report.account_id,
            report.target_account_id,
            report.assigned_account_id,
            report.action_taken_by_account_id,
        )
        if actor_id is not None
    }
    actors = await actors_db.by_ids(conn, sorted(actor_ids))
    rendered = await admin_accounts_to_json(conn, context.urls, actors)
    admin_accounts = {actor.id: entity for actor, entity in zip(actors, rendered, strict=True)}
    status_ids = list(dict.fromkeys(i for report in found for i in report.status_ids))
    statuses = {
        int(status["id"]): status
        for status in await statuses_to_json(conn, context.urls, viewer, status_ids)
    }
    rules = context.settings.rules

    def account(actor_id: int | None) -> dict[str, Any] | None:
        return None if actor_id is None else admin_accounts.get(actor_id)

    return [
        {
            "id": str(report.id),
            "action_taken": report.resolved,
            "action_taken_at": api_time(report.action_taken_at),
            "category": report.category,
            "comment": report.comment,
            "forwarded": report.forwarded,
            "created_at": api_time(report.created_at),
            "updated_at": api_time(report.updated_at),
            "account": account(report.account_id),
            "target_account": account(report.target_account_id),
            "assigned_account": account(report.assigned_account_id),
            "action_taken_by_account": account(report.action_taken_by_account_id),
            "statuses": [statuses[i] for i in report.status_ids if i in statuses],
            "rules": [
                {"id": str(i), "text": rules[i - 1], "hint": ""}
                for i in report.rule_ids
                if 0 < i <= len(rules)
            ],
            # fedi's own: what the moderator who resolved it said was done.
            "action_note": report.action_note,
        }
        for report in found
    ]


def _report_id(request: Request) -> int:
    report_id: int = request.path_params["id"]
    if not 0 < report_id <= MAX_ROW_ID:
        raise NotFound(reports.RECORD_NOT_FOUND)
    return report_id


async def index(request: Request) -> Response:
    viewer = await require_admin(request, *READ)
    params = await Params.read(request)
    selection = Filter(
        resolved=params.flag("resolved"),
        account_id=params.integer("account_id", minimum=1),
        target_account_id=params.integer("target_account_id", minimum=1),
    )
    page = Page.from_params(params, default=100, maximum=200)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        await reports.require_staff(conn, viewer)
        found = await reports.list_reports(conn, selection, page)
        body = await reports_to_json(conn, context, viewer, found)
    return JSONResponse(body, headers=paged_headers(request, [r.id for r in found]))


async def show(request: Request) -> Response:
    viewer = await require_admin(request, *READ)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        await reports.require_staff(conn, viewer)
        report = await reports.get_report(conn, _report_id(request))
        (body,) = await reports_to_json(conn, context, viewer, [report])
    return JSONResponse(body)


Action = Callable[[Any, Actor, int, Params], Awaitable[Report]]


def _action(act: Action) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        moderator = await require_admin(request, *WRITE)
        params = await Params.read(request)
        context = api_context(request)
        async with context.pool.acquire() as conn:
            report = await act(conn, moderator, _report_id(request), params)
            (body,) = await reports_to_json(conn, context, moderator, [report])
        return JSONResponse(body)

    return endpoint


async def _resolve(conn: Any, moderator: Actor, report_id: int, params: Params) -> Report:
    note = params.text("note", "", max_length=reports.MAX_NOTE) or ""
    return await reports.resolve(conn, moderator, report_id, note)


def routes() -> list[BaseRoute]:
    base = "/api/v1/admin/reports/{id:int}"
    return [
        Route("/api/v1/admin/reports", index, methods=["GET"]),
        Route(base, show, methods=["GET"]),
        Route(
            f"{base}/assign_to_self",
            _action(lambda conn, who, rid, _: reports.assign_to_self(conn, who, rid)),
            methods=["POST"],
        ),
        Route(
            f"{base}/unassign",
            _action(lambda conn, who, rid, _: reports.unassign(conn, who, rid)),
            methods=["POST"],
        ),
        Route(f"{base}/resolve", _action(_resolve), methods=["POST"]),
        Route(
            f"{base}/reopen",
            _action(lambda conn, who, rid, _: reports.reopen(conn, who, rid)),
            methods=["POST"],
        ),
    ]
