"""A post with its thread, and the buttons under every post (favourite, boost, delete)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.composer import VISIBILITIES
from fedi.web.forms import record_id
from fedi.web.i18n import N_
from fedi.web.page import (
    PageError,
    current_member,
    local_path,
    page_not_found,
    redirect,
    register_notices,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused

ACTIONS = ("favourite", "unfavourite", "reblog", "unreblog")
register_notices({"deleted": N_("Your post is deleted.")})


def _status_id(request: Request) -> str:
    value = record_id(str(request.path_params["id"]))
    if value is None:
        raise page_not_found()
    return value


async def thread(request: Request) -> Response:
    return await thread_page(request, _status_id(request))


async def thread_page(request: Request, status_id: str) -> Response:
    """A post with what it answers and its replies, as the API shows them to the reader."""
    member = await current_member(request)
    token = member.token if member else None
    api = web_context(request).api
    try:
        status = await api.get(f"/api/v1/statuses/{status_id}", token)
        context = await api.get(f"/api/v1/statuses/{status_id}/context", token)
    except ApiRefused:
        raise page_not_found() from None
    values = {
        "status": status,
        "ancestors": context["ancestors"],
        "descendants": context["descendants"],
        "visibilities": VISIBILITIES,
        "reply_to": status_id,
        "default_language": status.get("language") or "",
    }
    return await render(request, "thread.html", values)


async def act(request: Request) -> Response:
    member = await require_member(request)
    form = await submitted_form(request)
    status_id, action = _status_id(request), str(request.path_params["action"])
    if action not in ACTIONS:
        raise page_not_found()
    try:
        await web_context(request).api.post(f"/api/v1/statuses/{status_id}/{action}", member.token)
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None
    back = form.get("back")
    return redirect(local_path(back if isinstance(back, str) else None, "/home"))


async def delete(request: Request) -> Response:
    member = await require_member(request)
    await submitted_form(request)
    try:
        await web_context(request).api.call(
            "DELETE", f"/api/v1/statuses/{_status_id(request)}", member.token
        )
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None
    return redirect("/home", "deleted")


def routes() -> list[BaseRoute]:
    return [
        Route("/statuses/{id}", thread, methods=["GET"]),
        Route("/statuses/{id}/delete", delete, methods=["POST"]),
        Route("/statuses/{id}/{action}", act, methods=["POST"]),
    ]
