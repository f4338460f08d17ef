"""Signing up through the API (Mastodon's POST /api/v1/accounts), and admins' answers to the
sign-ups that wait for approval (Mastodon's approve and reject; Mastodon's admin list of
accounts shows them with `status=pending`).

POST /api/v1/accounts takes an app token, as Mastodon's does, and answers with a token for the
new account when it may sign in at once. An account waiting for approval gets no token: the
answer is Pleroma's `{"identifier": "awaiting_approval", "message": ...}`, since a token it
could not use yet would only confuse the app.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.accounts import MAX_ROW_ID, RECORD_NOT_FOUND
from fedi.api.auth import issue_token, require_admin, require_token
from fedi.api.context import api_context
from fedi.api.entities.admin_accounts import one_admin_account
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.domain import registrations
from fedi.domain.oauth import MAX_PASSWORD_LENGTH
from fedi.domain.registrations import SignUp, SignUpRefused
from fedi.errors import NotFound

WRITE_ACCOUNTS = ("write", "write:accounts")
WRITE_SIGN_UPS = ("admin:write", "admin:write:accounts")
# Pleroma's answer when an account waits for approval.
AWAITING_APPROVAL = {
    "identifier": "awaiting_approval",
    "message": "You have been registered. You'll be able to log in once your account is approved.",
}
# Longer than any field allows, so the domain's own message names what is wrong.
MAX_FIELD = 10_000


def _refusal(error: SignUpRefused) -> Response:
    """Mastodon's shape: the message, and per-field details apps can place next to a field."""
    body: dict[str, Any] = {"error": str(error)}
    if error.field is not None:
        body["details"] = {error.field: [{"error": error.code, "description": str(error)}]}
    return OrjsonResponse(body, status_code=error.status)


async def register(request: Request) -> Response:
    app_token = await require_token(request, *WRITE_ACCOUNTS)
    params = await Params.read(request)
    sign_up = SignUp(
        username=params.text("username", max_length=MAX_FIELD) or "",
        password=params.text("password", max_length=MAX_PASSWORD_LENGTH * 4) or "",
        agreement=params.flag("agreement"),
        email=params.text("email", max_length=MAX_FIELD),
        locale=params.text("locale", max_length=MAX_FIELD),
        reason=params.text("reason", max_length=MAX_FIELD),
        invite_code=params.text("invite_code", max_length=MAX_FIELD),
    )
    context = api_context(request)
    try:
        async with context.pool.acquire() as conn, conn.transaction():
            made = await registrations.sign_up(conn, context.settings, context.urls, sign_up)
            if not made.approved:
                return OrjsonResponse(AWAITING_APPROVAL)
            token = app_token.token
            secret, row = await issue_token(conn, token.app_id, made.actor.id, token.scopes)
    except SignUpRefused as refused:
        return _refusal(refused)
    return OrjsonResponse(
        {
            "access_token": secret,
            "token_type": "Bearer",
            "scope": " ".join(row.scopes),
            "created_at": int(row.created_at.timestamp()),
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def _local_account(conn: Any, request: Request) -> Actor:
    account_id: int = request.path_params["id"]
    actor = await actors_db.by_id(conn, account_id) if 0 < account_id <= MAX_ROW_ID else None
    if actor is None or actor.actor_type == "Application":
        raise NotFound(RECORD_NOT_FOUND)
    return actor


async def approve(request: Request) -> Response:
    """POST /api/v1/admin/accounts/:id/approve: the account may sign in from now on."""
    admin = await require_admin(request, *WRITE_SIGN_UPS)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        async with conn.transaction():
            account = await _local_account(conn, request)
            await registrations.approve(conn, account, by_actor_id=admin.id)
        return OrjsonResponse(await one_admin_account(conn, context.urls, account))


async def reject(request: Request) -> Response:
    """POST /api/v1/admin/accounts/:id/reject: the waiting account is removed."""
    admin = await require_admin(request, *WRITE_SIGN_UPS)
    context = api_context(request)
    async with context.pool.acquire() as conn, conn.transaction():
        account = await _local_account(conn, request)
        # Shown as it was, before it goes: Mastodon answers with the account it removed.
        shown = await one_admin_account(conn, context.urls, account)
        await registrations.reject(conn, account, by_actor_id=admin.id)
    return OrjsonResponse(shown)


def routes() -> list[BaseRoute]:
    admin_accounts = "/api/v1/admin/accounts/{id:int}"
    return [
        Route("/api/v1/accounts", register, methods=["POST"]),
        Route(f"{admin_accounts}/approve", approve, methods=["POST"]),
        Route(f"{admin_accounts}/reject", reject, methods=["POST"]),
    ]
