"""A moderator's buttons under a post in a group or space page: remove it, move it."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import form_text
from fedi.web.group_lookup import hides_missing
from fedi.web.group_manage import act, back_to, managed_form
from fedi.web.i18n import N_
from fedi.web.page import PageError, redirect, register_notices

MAX_REASON = 1_000

register_notices(
    {
        "groups_post_removed": N_("The post is removed from the group."),
        "groups_post_moved": N_("The post is moved."),
    }
)


def _status_path(request: Request) -> str:
    return f"/statuses/{request.path_params['status_id']}"


@hides_missing
async def remove(request: Request) -> Response:
    found, form = await managed_form(request, "moderator")
    reason = form_text(form, "reason")[:MAX_REASON]
    await act(request, found, "DELETE", _status_path(request), {"reason": reason})
    return redirect(back_to(form, f"/groups/{found.group['username']}"), "groups_post_removed")


@hides_missing
async def move(request: Request) -> Response:
    found, form = await managed_form(request, "moderator")
    space_id = form_text(form, "space_id")
    if not space_id.isdigit():
        raise PageError(422, N_("Choose the space to move the post to."))
    await act(request, found, "POST", _status_path(request) + "/move", {"space_id": space_id})
    return redirect(back_to(form, f"/groups/{found.group['username']}"), "groups_post_moved")


def routes() -> list[BaseRoute]:
    post = "/groups/{username}/manage/posts/{status_id:int}"
    return [
        Route(post + "/remove", remove, methods=["POST"]),
        Route(post + "/move", move, methods=["POST"]),
    ]
