"""Mastodon client API: a member reports an account (and its posts) to the moderators."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.accounts import MAX_ROW_ID
from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.accounts import one_account
from fedi.api.entities.times import api_time
from fedi.api.params import Params
from fedi.db import actors as actors_db
from fedi.db.reports import Report
from fedi.domain.reports import ReportDraft
from fedi.errors import InvalidInput
from fedi.urls import Urls


def _id(value: str, problem: str) -> int:
    if not value.isdigit() or not 0 < int(value) <= MAX_ROW_ID:
        raise InvalidInput(problem)
    return int(value)


def report_draft(params: Params) -> ReportDraft:
    account_id = params.text("account_id")
    if not account_id:
        raise InvalidInput("account_id is required")
    return ReportDraft(
        target_id=_id(account_id, f"account {account_id} does not exist"),
        status_ids=tuple(
            _id(value, f"status {value} is not a post of the reported account")
            for value in params.strings("status_ids")
        ),
        comment=params.text("comment", "") or "",
        category=params.text("category") or None,
        rule_ids=tuple(
            _id(value, f"no such rule: {value}") for value in params.strings("rule_ids")
        ),
        forward=params.flag("forward"),
    )


async def report_to_json(conn: Any, urls: Urls, report: Report) -> dict[str, Any]:
    """The Report entity, as its reporter sees it."""
    target = await actors_db.by_id(conn, report.target_account_id)
    assert target is not None  # reports go with their target
    return {
        "id": str(report.id),
        "action_taken": report.resolved,
        "action_taken_at": api_time(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": api_time(report.created_at),
        "status_ids": [str(i) for i in report.status_ids] or None,
        "rule_ids": [str(i) for i in report.rule_ids] or None,
        "target_account": await one_account(conn, urls, target),
    }


async def create(request: Request) -> Response:
    reporter = await require_user(request, "write:reports")
    draft = report_draft(await Params.read(request))
    context = api_context(request)
    report = await context.publisher.flag(reporter, draft)
    async with context.pool.acquire() as conn:
        return JSONResponse(await report_to_json(conn, context.urls, report))


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/reports", create, methods=["POST"])]
