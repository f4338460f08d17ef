"""Mastodon's admin API for accounts: list and show them, act on them, and lift the actions."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from activitypub.hosts import InvalidHost, normalize_host
from fedi.api.accounts import MAX_ROW_ID, RECORD_NOT_FOUND
from fedi.api.auth import require_admin
from fedi.api.context import api_context
from fedi.api.entities.admin_accounts import admin_accounts_to_json, one_admin_account
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db.account_moderation import STATUSES, AccountFilter
from fedi.db.actors import Actor
from fedi.domain.account_moderation import ACTIONS, MAX_TEXT, AccountAction
from fedi.errors import InvalidInput, NotFound

READ = "admin:read:accounts"
WRITE = "admin:write:accounts"
# Mastodon lists 100 accounts a page unless asked, and at most twice that.
PAGE_DEFAULT = 100
PAGE_MAX = 200
MAX_CRITERION = 500
# v1 names each status as a flag of its own (?suspended=true).
V1_STATUS_FLAGS = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")


async def _target(conn: Any, request: Request) -> Actor:
    account_id: int = request.path_params["id"]
    actor = await actors_db.by_id(conn, account_id) if 0 < account_id <= MAX_ROW_ID else None
    # The instance actor speaks for the node, not for anyone to moderate: as Mastodon, unlisted.
    if actor is None or actor.actor_type == "Application":
        raise NotFound(RECORD_NOT_FOUND)
    return actor


def _criteria(params: Params) -> dict[str, str | None]:
    names = ("username", "display_name", "by_domain", "email", "ip")
    found = {name: params.text(name, max_length=MAX_CRITERION) for name in names}
    cleaned = {name: (value or "").strip() or None for name, value in found.items()}
    if cleaned["by_domain"]:
        try:
            cleaned["by_domain"] = normalize_host(cleaned["by_domain"])
        except InvalidHost as exc:
            raise InvalidInput(f"by_domain is not a domain name: {exc}") from exc
    return cleaned


def _v1_filter(params: Params) -> AccountFilter:
    """v1 shows active local accounts unless told otherwise, as Mastodon."""
    origin = "local"
    if params.flag("remote"):
        origin = "remote"
    status = "active"
    for name in V1_STATUS_FLAGS:
        if params.flag(name):
            status = name
    return AccountFilter(
        origin=origin, status=status, staff=params.flag("staff"), **_criteria(params)
    )


def _v2_filter(params: Params) -> AccountFilter:
    origin = (params.text("origin") or "").strip() or None
    if origin not in (None, "local", "remote"):
        raise InvalidInput(f"Unknown origin: {origin}; use local or remote")
    status = (params.text("status") or "").strip() or None
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"Unknown status: {status}; use one of {', '.join(STATUSES)}")
    staff = (params.text("permissions") or "").strip() == "staff"
    return AccountFilter(origin=origin, status=status, staff=staff, **_criteria(params))


def _index(
    read_filter: Callable[[Params], AccountFilter],
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        await require_admin(request, READ)
        params = await Params.read(request)
        selection = read_filter(params)
        page = Page.from_params(params, default=PAGE_DEFAULT, maximum=PAGE_MAX)
        context = api_context(request)
        async with context.pool.acquire() as conn:
            ids = await moderation_db.listing(conn, selection, page)
            found = {actor.id: actor for actor in await actors_db.by_ids(conn, ids)}
            actors = [found[i] for i in ids if i in found]
            body = await admin_accounts_to_json(conn, context.urls, actors)
        return OrjsonResponse(body, headers=paged_headers(request, ids))

    return endpoint


async def show(request: Request) -> Response:
    await require_admin(request, READ)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        target = await _target(conn, request)
        return OrjsonResponse(await one_admin_account(conn, context.urls, target))


async def _moderate(request: Request, moderator: Actor, action: AccountAction) -> Actor:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        target = await _target(conn, request)
    await context.publisher.moderate_account(moderator, target, action)
    return target


async def action(request: Request) -> Response:
    """POST /api/v1/admin/accounts/:id/action {type, text, report_id}: answers `{}`."""
    moderator = await require_admin(request, WRITE)
    params = await Params.read(request)
    kind = (params.text("type") or "").strip()
    if kind not in ACTIONS:
        choices = ", ".join(ACTIONS)
        raise InvalidInput(
            f"type must be one of {choices}" + (f"; {kind!r} is not" if kind else "")
        )
    text = params.text("text", max_length=MAX_TEXT) or params.text(
        "warning_text", max_length=MAX_TEXT
    )
    report_id = params.integer("report_id", minimum=1, maximum=MAX_ROW_ID)
    await _moderate(request, moderator, AccountAction(kind, text or "", report_id))
    return OrjsonResponse({})


def _lift(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        moderator = await require_admin(request, WRITE)
        target = await _moderate(request, moderator, AccountAction(kind))
        context = api_context(request)
        async with context.pool.acquire() as conn:
            return OrjsonResponse(await one_admin_account(conn, context.urls, target))

    return endpoint


def routes() -> list[BaseRoute]:
    base = "/api/v1/admin/accounts"
    return [
        Route(base, _index(_v1_filter), methods=["GET"]),
        Route("/api/v2/admin/accounts", _index(_v2_filter), methods=["GET"]),
        Route(base + "/{id:int}", show, methods=["GET"]),
        Route(base + "/{id:int}/action", action, methods=["POST"]),
        *(
            Route(f"{base}/{{id:int}}/{kind}", _lift(kind), methods=["POST"])
            for kind in ("unsuspend", "unsilence", "unsensitive", "enable")
        ),
    ]
