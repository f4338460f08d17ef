"""Node admins' pages for accounts: the filtered list, and one account with its actions."""

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.domain.html import sanitize
from fedi.web import admin_names
from fedi.web.admin_forms import path_id, query_id
from fedi.web.forms import form_text
from fedi.web.i18n import N_
from fedi.web.page import (
    NOT_FOUND,
    PageError,
    redirect,
    register_notices,
    render,
    require_admin,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, FormFields, older
from fedi.web.session import Member

PAGE = "/admin/accounts"
API = "/api/v1/admin/accounts"
PAGE_SIZE = 50
MAX_SEARCH = 100
# Buttons that each call one route of the accounts API, and what the page says after.
ONE_STEP = {
    "unsuspend": "admin_account_unsuspended",
    "unsilence": "admin_account_unsilenced",
    "unsensitive": "admin_account_unsensitized",
    "enable": "admin_account_enabled",
    "approve": "admin_account_approved",
    "reject": "admin_account_rejected",
}

register_notices(
    {
        "admin_account_acted": N_("The action on the account is done."),
        "admin_account_unsuspended": N_("The suspension is lifted."),
        "admin_account_unsilenced": N_("The limit is lifted."),
        "admin_account_unsensitized": N_("The account's media are no longer marked sensitive."),
        "admin_account_enabled": N_("The account can sign in again."),
        "admin_account_approved": N_("The sign-up is approved."),
        "admin_account_rejected": N_("The sign-up is rejected."),
    }
)


def _chosen(request: Request, name: str, choices: dict[str, str]) -> str | None:
    value = request.query_params.get(name)
    return value if value in choices else None


async def accounts_page(request: Request) -> Response:
    member = await require_admin(request)
    typed = {
        name: (request.query_params.get(name) or "").strip()[:MAX_SEARCH]
        for name in ("username", "by_domain")
    }
    chosen = {
        "origin": _chosen(request, "origin", admin_names.ACCOUNT_ORIGINS),
        "status": _chosen(request, "status", admin_names.ACCOUNT_STATUSES),
        **typed,
    }
    filters = {name: value for name, value in chosen.items() if value}
    max_id = query_id(request, "max_id")
    params: dict[str, Any] = {"limit": PAGE_SIZE, **filters}
    if max_id:
        params["max_id"] = max_id
    values: dict[str, Any] = {
        "accounts": [],
        "next_max_id": None,
        "filters": filters,
        "origins": admin_names.ACCOUNT_ORIGINS,
        "statuses": admin_names.ACCOUNT_STATUSES,
        "error": None,
    }
    try:
        found = await web_context(request).api.call(
            "GET", "/api/v2/admin/accounts", member.token, params=params
        )
    except ApiRefused as refused:
        values["error"] = refused.message
        return await render(request, "admin/accounts.html", values, status=refused.status)
    values.update(accounts=found.body, next_max_id=older(found, PAGE_SIZE))
    return await render(request, "admin/accounts.html", values)


async def _show(
    request: Request, member: Member, *, error: str | None = None, status: int = 200
) -> Response:
    try:
        account = await web_context(request).api.get(f"{API}/{path_id(request)}", member.token)
    except ApiRefused as refused:
        message = NOT_FOUND if refused.status == 404 else refused.message
        raise PageError(refused.status, message) from None
    values = {
        "a": account,
        # Sanitised to the post allow-list just now (a remote's bio is stored as it came).
        "note": Markup(sanitize(account["account"].get("note") or "")),  # noqa: S704
        "error": error,
        "account_actions": admin_names.ACCOUNT_ACTIONS,
        "lifts": admin_names.ACCOUNT_LIFTS,
    }
    return await render(request, "admin/account.html", values, status=status)


async def account_page(request: Request) -> Response:
    return await _show(request, await require_admin(request))


async def _call(
    request: Request, member: Member, path: str, data: FormFields, notice: str, then: str
) -> Response:
    """One call to the accounts API; when it refuses, the account again with its reason."""
    try:
        await web_context(request).api.call("POST", path, member.token, data=data)
    except ApiRefused as refused:
        if refused.status == 404:
            raise PageError(404, NOT_FOUND) from None
        return await _show(request, member, error=refused.message, status=refused.status)
    return redirect(then, notice)


async def account_action(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    account_id = path_id(request)
    data = {"type": form_text(form, "type"), "text": form_text(form, "text")}
    path = f"{API}/{account_id}/action"
    return await _call(request, member, path, data, "admin_account_acted", f"{PAGE}/{account_id}")


async def one_step(request: Request) -> Response:
    """Lift a suspension, limit, sensitive mark or disabled sign-in; approve or reject a sign-up."""
    member = await require_admin(request)
    await submitted_form(request)
    account_id, step = path_id(request), str(request.path_params["step"])
    if step not in ONE_STEP:
        raise PageError(404, NOT_FOUND)
    # A rejected sign-up is deleted: there is no account page to go back to.
    then = PAGE if step == "reject" else f"{PAGE}/{account_id}"
    return await _call(request, member, f"{API}/{account_id}/{step}", {}, ONE_STEP[step], then)


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, accounts_page, methods=["GET"]),
        Route(f"{PAGE}/{{id}}", account_page, methods=["GET"]),
        Route(f"{PAGE}/{{id}}/action", account_action, methods=["POST"]),
        Route(f"{PAGE}/{{id}}/{{step}}", one_step, methods=["POST"]),
    ]
