"""Follow by handle: find an account or group by `name@server` or its address, then follow it.

A handle is looked up with the accounts API, an address with a resolving search; either may ask
the other server. Following a group of this node is joining it (the API decides how).
"""

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import form_text, record_id
from fedi.web.i18n import N_
from fedi.web.page import (
    page_not_found,
    redirect,
    register_notices,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, PageApi
from fedi.web.session import Member

MAX_QUERY = 500
_URL = re.compile(r"^https?://", re.IGNORECASE)

register_notices(
    {
        "member_now_following": N_("You are following this account now."),
        "member_follow_requested": N_(
            "Your follow request is sent. You will follow this account once it is accepted."
        ),
        "member_joined": N_("You are a member of this group now."),
        "member_join_requested": N_(
            "Your request to join is sent. The group's moderators will answer it."
        ),
    }
)


def cleaned_query(value: str | None) -> str:
    """A handle without `acct:` or its leading @, or an address, as typed otherwise."""
    text = (value or "").strip()[:MAX_QUERY]
    if _URL.match(text):
        return text
    return text.removeprefix("acct:").lstrip("@")


async def find_account(api: PageApi, member: Member, query: str) -> dict[str, Any] | None:
    """The account the query names, or None when the API finds none."""
    try:
        if _URL.match(query):
            found = await api.get(
                "/api/v2/search", member.token, q=query, resolve="true", type="accounts"
            )
            accounts: list[dict[str, Any]] = found["accounts"]
            return accounts[0] if accounts else None
        account: dict[str, Any] = await api.get("/api/v1/accounts/lookup", member.token, acct=query)
        return account
    except ApiRefused as refused:
        if refused.status in (400, 404, 422):
            return None
        raise


async def _relationship(api: PageApi, member: Member, account_id: str) -> dict[str, Any] | None:
    found = await api.get("/api/v1/accounts/relationships", member.token, **{"id[]": account_id})
    return found[0] if found else None


async def _show(
    request: Request,
    member: Member,
    query: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    api = web_context(request).api
    account = await find_account(api, member, query) if query else None
    relationship = None
    if account is not None and account["id"] != str(member.actor.id):
        relationship = await _relationship(api, member, account["id"])
    values = {
        "query": query,
        "account": account,
        "relationship": relationship,
        "is_self": account is not None and account["id"] == str(member.actor.id),
        "error": error,
    }
    return await render(request, "member/follow.html", values, status=status)


async def follow_form(request: Request) -> Response:
    member = await require_member(request)
    return await _show(request, member, cleaned_query(request.query_params.get("q")))


def _notice(account: dict[str, Any], relationship: dict[str, Any]) -> str:
    if account.get("group"):
        return "member_joined" if relationship.get("following") else "member_join_requested"
    return "member_now_following" if relationship.get("following") else "member_follow_requested"


async def confirm_follow(request: Request) -> Response:
    member = await require_member(request)
    form = await submitted_form(request)
    account_id = record_id(form_text(form, "account_id"))
    query = cleaned_query(form_text(form, "q"))
    if account_id is None:
        raise page_not_found()
    api = web_context(request).api
    try:
        account = await api.get(f"/api/v1/accounts/{account_id}", member.token)
        relationship = await api.post(f"/api/v1/accounts/{account_id}/follow", member.token)
    except ApiRefused as refused:
        return await _show(request, member, query, error=refused.message, status=refused.status)
    return redirect("/follow", _notice(account, relationship), q=query or account["acct"])


def routes() -> list[BaseRoute]:
    return [
        Route("/follow", follow_form, methods=["GET"]),
        Route("/follow/confirm", confirm_follow, methods=["POST"]),
    ]
