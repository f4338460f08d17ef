"""The groups directory, a group's page and its spaces' pages, joining and leaving.

The group and space pages share their addresses with the ActivityPub documents: fedi/web/
groups.py answers servers and hands browsers to `group_page` and `space_page` here.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.composer import VISIBILITIES
from fedi.web.forms import form_text, max_id_cursor
from fedi.web.group_lookup import (
    GROUPS_API,
    GroupMissing,
    find_group,
    group_labels,
    group_spaces,
    has_role,
    hides_missing,
)
from fedi.web.i18n import N_
from fedi.web.page import (
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
from fedi.web.session import Member

PAGE_SIZE = 20
MY_GROUPS = 40
CREATE_FIELDS = ("username", "display_name", "note", "visibility", "join_policy", "language")
# Where the group decides who reads a post, the composer offers no choice that it would ignore.
IN_THE_GROUP = (("public", N_("Members of the group")),)
# What keeps a post in a public group (narrower ones stay outside it, as Mastodon apps expect).
IN_A_PUBLIC_GROUP = tuple(
    pair for pair in VISIBILITIES if pair[0] in ("public", "unlisted", "local")
)
PUBLIC_SPACE = (("public", N_("Public")),)

register_notices(
    {
        "groups_created": N_("Your group is created. You are its owner."),
        "groups_joined": N_("You are a member of this group now."),
        "groups_requested": N_(
            "Your request to join is sent. A moderator of the group will answer it."
        ),
        "groups_left": N_("You left the group."),
        "groups_request_withdrawn": N_("Your request to join is withdrawn."),
        "groups_invitation_declined": N_("You declined the invitation."),
    }
)


def _token(member: Member | None) -> str | None:
    return member.token if member else None


async def _directory(
    request: Request,
    member: Member | None,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    api = web_context(request).api
    token = _token(member)
    page = await api.call(
        "GET",
        GROUPS_API,
        token,
        params={"limit": PAGE_SIZE, **max_id_cursor(request)},
    )
    mine = await api.get(GROUPS_API, token, member="true", limit=MY_GROUPS) if member else []
    values = {
        "groups": page.body,
        "next_max_id": older(page, PAGE_SIZE),
        "my_groups": mine,
        "form": form or {"join_policy": "approval"},
        "error": error,
        **group_labels(),
    }
    return await render(request, "groups/directory.html", values, status=status)


async def directory(request: Request) -> Response:
    return await _directory(request, await current_member(request))


async def create(request: Request) -> Response:
    member = await require_member(request)
    form = await submitted_form(request)
    fields = {name: form_text(form, name) for name in CREATE_FIELDS}
    try:
        group = await web_context(request).api.post(
            GROUPS_API, member.token, {name: value for name, value in fields.items() if value}
        )
    except ApiRefused as refused:
        return await _directory(
            request, member, form=fields, error=refused.message, status=refused.status
        )
    return redirect(f"/groups/{group['username']}", "groups_created")


def _group_composer_choices(group: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return IN_A_PUBLIC_GROUP if group["visibility"] == "public" else IN_THE_GROUP


async def _statuses(
    request: Request, member: Member | None, group_id: str, space_id: str
) -> tuple[list[Any], str | None]:
    page = await web_context(request).api.call(
        "GET",
        f"{GROUPS_API}/{group_id}/spaces/{space_id}/statuses",
        _token(member),
        params={"limit": PAGE_SIZE, **max_id_cursor(request)},
    )
    return page.body, older(page, PAGE_SIZE)


def _common(group: dict[str, Any], spaces: list[Any]) -> dict[str, Any]:
    """What the group and space pages both show: the reader's place in it and its spaces."""
    return {
        "group": group,
        "spaces": spaces,
        "is_member": (group.get("membership") or {}).get("state") == "member",
        "moderates": has_role(group, "moderator"),
        **group_labels(),
    }


@hides_missing
async def group_page(request: Request) -> Response:
    member = await current_member(request)
    group = await find_group(request, member)
    spaces = await group_spaces(request, member, group["id"])
    default = next((space for space in spaces if space["is_default"]), None)
    statuses, next_max_id = (
        await _statuses(request, member, group["id"], default["id"]) if default else ([], None)
    )
    values = {
        **_common(group, spaces),
        "statuses": statuses,
        "next_max_id": next_max_id,
        "visibilities": _group_composer_choices(group),
        "target": f"g:{group['id']}",
        "default_language": group.get("language") or "",
    }
    return await render(request, "groups/group.html", values, headers={"Vary": "Accept"})


@hides_missing
async def space_page(request: Request) -> Response:
    member = await current_member(request)
    group = await find_group(request, member)
    spaces = await group_spaces(request, member, group["id"])
    slug = str(request.path_params["slug"])
    space = next((found for found in spaces if found["slug"] == slug), None)
    if space is None:
        raise GroupMissing()
    statuses, next_max_id = await _statuses(request, member, group["id"], space["id"])
    public = space["visibility"] == "public" and group["visibility"] == "public"
    values = {
        **_common(group, spaces),
        "space": space,
        "statuses": statuses,
        "next_max_id": next_max_id,
        "visibilities": PUBLIC_SPACE if public else IN_THE_GROUP,
        "target": f"s:{group['id']}:{space['id']}",
        "default_language": group.get("language") or "",
    }
    return await render(request, "groups/space.html", values, headers={"Vary": "Accept"})


@hides_missing
async def join(request: Request) -> Response:
    member = await require_member(request)
    await submitted_form(request)
    group = await find_group(request, member)
    try:
        joined = await web_context(request).api.post(
            f"{GROUPS_API}/{group['id']}/join", member.token
        )
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None
    state = (joined.get("membership") or {}).get("state")
    notice = "groups_joined" if state == "member" else "groups_requested"
    return redirect(f"/groups/{group['username']}", notice)


LEAVE_NOTICES = {"pending": "groups_request_withdrawn", "invited": "groups_invitation_declined"}


@hides_missing
async def leave(request: Request) -> Response:
    member = await require_member(request)
    await submitted_form(request)
    group = await find_group(request, member)
    try:
        await web_context(request).api.post(f"{GROUPS_API}/{group['id']}/leave", member.token)
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None
    state = (group.get("membership") or {}).get("state", "")
    notice = LEAVE_NOTICES.get(state, "groups_left")
    # A group for members only is out of sight once left: back to the directory then.
    if group["visibility"] != "public":
        return redirect("/groups", notice)
    return redirect(f"/groups/{group['username']}", notice)


def routes() -> list[BaseRoute]:
    return [
        Route("/groups", directory, methods=["GET"]),
        Route("/groups", create, methods=["POST"]),
        Route("/groups/{username}/join", join, methods=["POST"]),
        Route("/groups/{username}/leave", leave, methods=["POST"]),
    ]
