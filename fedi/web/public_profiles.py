"""Profiles as pages: anyone's view of a local account, members' view of a remote one, following.

Everything shown is what the client API answers the reader (a visitor reads as an anonymous
caller), so a page never shows more of an account than an app would.
"""

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.domain.html import sanitize
from fedi.web.i18n import N_
from fedi.web.page import (
    NOT_FOUND,
    PageError,
    current_member,
    redirect,
    register_notices,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, older

PAGE_SIZE = 20
MAX_ACCT = 500
NO_SUCH_ACCOUNT = N_("No account with this address could be found.")

register_notices(
    {
        "public_followed": N_("You follow this account now."),
        "public_follow_requested": N_(
            "Your follow request is sent. You will follow this account once it is accepted."
        ),
        "public_unfollowed": N_("You no longer follow this account."),
    }
)


def full_handle(account: dict[str, Any], domain: str) -> str:
    """`name@server` for everyone: a local account's `acct` is its bare username."""
    acct = str(account.get("acct") or "")
    return acct if "@" in acct else f"{acct}@{domain}"


def page_path(account: dict[str, Any]) -> str:
    """Where an account's page is: a group of this node has its own."""
    acct = str(account.get("acct") or "")
    if account.get("group") and "@" not in acct:
        return f"/groups/{acct}"
    return f"/@{acct}"


def _safe_html(fragment: object) -> Markup:
    # Sanitised to the post allow-list just now, whatever was stored, so safe as markup.
    return Markup(sanitize(str(fragment or "")))  # noqa: S704


async def account_page(request: Request, account: dict[str, Any]) -> Response:
    """The profile: who they are, how they stand to the reader, and their latest posts."""
    member = await current_member(request)
    token = member.token if member else None
    api = web_context(request).api
    max_id = request.query_params.get("max_id")
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if max_id and max_id.isdigit():
        params["max_id"] = max_id
    try:
        page = await api.call(
            "GET", f"/api/v1/accounts/{account['id']}/statuses", token, params=params
        )
    except ApiRefused:
        raise PageError(404, NOT_FOUND) from None
    own = member is not None and account["id"] == str(member.actor.id)
    relationship = None
    if member is not None and not own:
        found = await api.get("/api/v1/accounts/relationships", member.token, id=account["id"])
        relationship = found[0] if found else None
    values = {
        "account": account,
        "handle": full_handle(account, web_context(request).settings.domain),
        "note": _safe_html(account.get("note")),
        "fields": [
            (str(field.get("name") or ""), _safe_html(field.get("value")))
            for field in account.get("fields") or []
        ],
        "statuses": page.body,
        "next_max_id": older(page, PAGE_SIZE),
        "own": own,
        "relationship": relationship,
        "profile_path": f"/@{account['acct']}",
    }
    return await render(request, "profile.html", values, headers={"Vary": "Accept"})


async def local_profile(request: Request, actor_id: int) -> Response:
    """A local account's page, as the API shows it to the reader."""
    member = await current_member(request)
    try:
        account = await web_context(request).api.get(
            f"/api/v1/accounts/{actor_id}", member.token if member else None
        )
    except ApiRefused:
        raise PageError(404, NOT_FOUND) from None
    return await account_page(request, account)


async def _lookup(request: Request, token: str, acct: str) -> dict[str, Any]:
    if len(acct) > MAX_ACCT:
        raise PageError(404, NO_SUCH_ACCOUNT)
    try:
        found: dict[str, Any] = await web_context(request).api.get(
            "/api/v1/accounts/lookup", token, acct=acct
        )
    except ApiRefused:
        raise PageError(404, NO_SUCH_ACCOUNT) from None
    return found


async def remote_profile(request: Request, acct: str) -> Response:
    """`/@name@server`: an account of another server, for members (the lookup may ask it)."""
    member = await require_member(request)
    account = await _lookup(request, member.token, acct)
    if "@" not in str(account.get("acct") or ""):
        # The node's own account under its full handle: its page has one address.
        return RedirectResponse(page_path(account), status_code=303)
    return await account_page(request, account)


async def _follow_action(request: Request, action: str) -> Response:
    member = await require_member(request)
    await submitted_form(request)
    account = await _lookup(request, member.token, str(request.path_params["acct"]))
    try:
        relationship = await web_context(request).api.post(
            f"/api/v1/accounts/{account['id']}/{action}", member.token
        )
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None
    if action == "unfollow":
        notice = "public_unfollowed"
    elif relationship.get("following"):
        notice = "public_followed"
    else:
        notice = "public_follow_requested"
    return redirect(page_path(account), notice)


async def follow(request: Request) -> Response:
    return await _follow_action(request, "follow")


async def unfollow(request: Request) -> Response:
    return await _follow_action(request, "unfollow")


def routes() -> list[BaseRoute]:
    # The profile pages themselves are fedi/web/actors.py's: they share `/@name` with servers.
    return [
        Route("/@{acct}/follow", follow, methods=["POST"]),
        Route("/@{acct}/unfollow", unfollow, methods=["POST"]),
    ]
