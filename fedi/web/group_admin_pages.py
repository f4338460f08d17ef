"""Group administration: requests to join, invitations, members with their roles and bans."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import form_text, max_id_cursor
from fedi.web.group_lookup import GroupMissing, hides_missing
from fedi.web.group_manage import Managed, act, call, managed, managed_form, render_tab
from fedi.web.i18n import N_
from fedi.web.page import redirect, register_notices
from fedi.web.page_api import ApiRefused, older

LIST_SIZE = 40
MAX_REASON = 1_000
DECISIONS = ("approve", "reject")

register_notices(
    {
        "groups_request_approved": N_("The request is approved: they are a member now."),
        "groups_request_rejected": N_("The request is refused."),
        "groups_invited": N_("The invitation is sent."),
        "groups_role_changed": N_("The role is changed."),
        "groups_banned": N_("The account is banned from the group."),
        "groups_unbanned": N_("The ban is lifted."),
        "groups_member_removed": N_("The member is removed from the group."),
    }
)


def _account_id(request: Request) -> str:
    return str(request.path_params["account_id"])


async def _rows(
    request: Request, found: Managed, state: str, *, paged: bool = False
) -> tuple[list[Any], str | None]:
    answer = await call(
        request,
        found,
        "GET",
        "/members",
        params={"state": state, "limit": LIST_SIZE, **(max_id_cursor(request) if paged else {})},
    )
    return answer.body, older(answer, LIST_SIZE)


@hides_missing
async def requests(request: Request) -> Response:
    found = await managed(request, "moderator")
    pending, next_max_id = await _rows(request, found, "pending", paged=True)
    values = {"pending": pending, "next_max_id": next_max_id}
    return await render_tab(request, found, "requests", "groups/manage_requests.html", values)


@hides_missing
async def answer_request(request: Request) -> Response:
    found, _ = await managed_form(request, "moderator")
    decision = str(request.path_params["decision"])
    if decision not in DECISIONS:
        raise GroupMissing()
    await act(request, found, "POST", f"/requests/{_account_id(request)}/{decision}")
    notice = "groups_request_approved" if decision == "approve" else "groups_request_rejected"
    return redirect(found.page_path, notice)


async def _invitations(
    request: Request,
    found: Managed,
    *,
    handle: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    invited, _ = await _rows(request, found, "invited")
    values = {"invited": invited, "handle": handle, "error": error}
    return await render_tab(
        request, found, "invitations", "groups/manage_invitations.html", values, status=status
    )


@hides_missing
async def invitations(request: Request) -> Response:
    return await _invitations(request, await managed(request, "moderator"))


@hides_missing
async def invite(request: Request) -> Response:
    found, form = await managed_form(request, "moderator")
    handle = form_text(form, "handle")
    if not handle:
        error = N_("Write the name of a local account or a handle such as name@example.org.")
        return await _invitations(request, found, error=error, status=422)
    try:
        await call(request, found, "POST", "/invitations", data={"handle": handle})
    except ApiRefused as refused:
        return await _invitations(
            request, found, handle=handle, error=refused.message, status=refused.status
        )
    return redirect(f"{found.page_path}/invitations", "groups_invited")


@hides_missing
async def members(request: Request) -> Response:
    found = await managed(request, "moderator")
    approved, next_max_id = await _rows(request, found, "member", paged=True)
    banned, _ = await _rows(request, found, "banned")
    values = {
        "members": approved,
        "banned": banned,
        "next_max_id": next_max_id,
        "own_id": str(found.member.actor.id),
    }
    return await render_tab(request, found, "members", "groups/manage_members.html", values)


@hides_missing
async def set_role(request: Request) -> Response:
    found, form = await managed_form(request, "admin")
    await act(
        request,
        found,
        "PUT",
        f"/members/{_account_id(request)}/role",
        {"role": form_text(form, "role")},
    )
    return redirect(f"{found.page_path}/members", "groups_role_changed")


@hides_missing
async def ban(request: Request) -> Response:
    found, form = await managed_form(request, "moderator")
    reason = form_text(form, "reason")[:MAX_REASON]
    await act(request, found, "POST", f"/members/{_account_id(request)}/ban", {"reason": reason})
    return redirect(f"{found.page_path}/members", "groups_banned")


@hides_missing
async def unban(request: Request) -> Response:
    found, _ = await managed_form(request, "moderator")
    await act(request, found, "POST", f"/members/{_account_id(request)}/unban")
    return redirect(f"{found.page_path}/members", "groups_unbanned")


@hides_missing
async def remove(request: Request) -> Response:
    """The API has no removal of its own: a ban lifted at once leaves the account outside,
    free to ask again, and the log says both."""
    found, form = await managed_form(request, "moderator")
    account = f"/members/{_account_id(request)}"
    reason = form_text(form, "reason")[:MAX_REASON]
    await act(request, found, "POST", f"{account}/ban", {"reason": reason})
    await act(request, found, "POST", f"{account}/unban")
    return redirect(f"{found.page_path}/members", "groups_member_removed")


def routes() -> list[BaseRoute]:
    manage = "/groups/{username}/manage"
    member = manage + "/members/{account_id:int}"
    return [
        Route(manage, requests, methods=["GET"]),
        Route(
            manage + "/requests/{account_id:int}/{decision:str}",
            answer_request,
            methods=["POST"],
        ),
        Route(manage + "/invitations", invitations, methods=["GET"]),
        Route(manage + "/invitations", invite, methods=["POST"]),
        Route(manage + "/members", members, methods=["GET"]),
        Route(member + "/role", set_role, methods=["POST"]),
        Route(member + "/ban", ban, methods=["POST"]),
        Route(member + "/unban", unban, methods=["POST"]),
        Route(member + "/remove", remove, methods=["POST"]),
    ]
