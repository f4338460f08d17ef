"""The member's notifications: newest first, older a link away, follow requests answered here.

Showing the first page moves the notifications marker to its newest entry, as Mastodon's own
web interface does, so any app the member uses counts them as read too.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import record_id
from fedi.web.i18n import N_
from fedi.web.page import (
    PageError,
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

PAGE_SIZE = 30
ANSWERS = {"authorize": "member_request_accepted", "reject": "member_request_rejected"}

register_notices(
    {
        "member_notifications_cleared": N_("Your notifications are cleared."),
        "member_request_accepted": N_("The follow request is accepted."),
        "member_request_rejected": N_("The follow request is rejected."),
    }
)


async def _last_read(api: PageApi, member: Member) -> int:
    markers = await api.get("/api/v1/markers", member.token, **{"timeline[]": "notifications"})
    marker = markers.get("notifications") if isinstance(markers, dict) else None
    return int(marker["last_read_id"]) if marker else 0


async def notifications(request: Request) -> Response:
    member = await require_member(request)
    api = web_context(request).api
    max_id = record_id(request.query_params.get("max_id"))
    page = await api.call(
        "GET",
        "/api/v1/notifications",
        member.token,
        params={"limit": PAGE_SIZE, **({"max_id": max_id} if max_id else {})},
    )
    found: list[dict[str, Any]] = page.body
    unread = (await api.get("/api/v1/notifications/unread_count", member.token))["count"]
    last_read = await _last_read(api, member)
    newest = max((int(entry["id"]) for entry in found), default=0)
    if max_id is None and newest > last_read:
        await api.post(
            "/api/v1/markers", member.token, {"notifications[last_read_id]": str(newest)}
        )
    requests = await api.get("/api/v1/follow_requests", member.token)
    values = {
        "notifications": found,
        "next_max_id": page.next_max_id,
        "unread": unread,
        "last_read": last_read,
        "follow_requests": requests,
        "pending_ids": {account["id"] for account in requests},
    }
    return await render(request, "member/notifications.html", values)


async def clear(request: Request) -> Response:
    member = await require_member(request)
    await submitted_form(request)
    await web_context(request).api.post("/api/v1/notifications/clear", member.token)
    return redirect("/notifications", "member_notifications_cleared")


async def answer_request(request: Request) -> Response:
    """Accept or reject the follow request of the account in the path."""
    member = await require_member(request)
    await submitted_form(request)
    account_id = record_id(str(request.path_params["id"]))
    answer = str(request.path_params["answer"])
    if account_id is None or answer not in ANSWERS:
        raise page_not_found()
    try:
        await web_context(request).api.post(
            f"/api/v1/follow_requests/{account_id}/{answer}", member.token
        )
    except ApiRefused as refused:
        if refused.status == 404:
            raise PageError(404, N_("This follow request was already answered.")) from None
        raise PageError(refused.status, refused.message) from None
    return redirect("/notifications", ANSWERS[answer])


def routes() -> list[BaseRoute]:
    return [
        Route("/notifications", notifications, methods=["GET"]),
        Route("/notifications/clear", clear, methods=["POST"]),
        Route("/notifications/requests/{id}/{answer}", answer_request, methods=["POST"]),
    ]
