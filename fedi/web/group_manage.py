"""What every group administration page shares: who may open it, its tabs, how it renders.

The pages only offer; the group API decides. A tab is shown to the roles the API lets do its
work, and whatever a page sends, the API checks the role again.
"""

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fedi.web.forms import form_text
from fedi.web.group_lookup import GROUPS_API, find_group, group_labels, has_role, role_of
from fedi.web.i18n import N_
from fedi.web.page import (
    PageError,
    local_path,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiAnswer, ApiRefused, FormFields
from fedi.web.session import Member

# (name, path after /manage, label, the least role that may open it)
TABS = (
    ("requests", "", N_("Requests"), "moderator"),
    ("invitations", "/invitations", N_("Invitations"), "moderator"),
    ("members", "/members", N_("Members"), "moderator"),
    ("spaces", "/spaces", N_("Spaces"), "admin"),
    ("settings", "/settings", N_("Settings"), "admin"),
    ("log", "/log", N_("Moderation log"), "admin"),
)
NEEDS_ROLE = {
    "moderator": N_("This page is for the group's moderators."),
    "admin": N_("This page is for the group's administrators."),
}


@dataclass(frozen=True)
class Managed:
    """A group as one of its moderators or admins manages it."""

    member: Member
    group: dict[str, Any]

    @property
    def api_path(self) -> str:
        return f"{GROUPS_API}/{self.group['id']}"

    @property
    def page_path(self) -> str:
        return f"/groups/{self.group['username']}/manage"

    @property
    def role(self) -> str:
        return role_of(self.group) or "member"


async def _checked(request: Request, member: Member, minimum: str) -> Managed:
    group = await find_group(request, member)
    if not has_role(group, minimum):
        raise PageError(403, NEEDS_ROLE[minimum])
    return Managed(member, group)


async def managed(request: Request, minimum: str) -> Managed:
    """The group of a page that needs `minimum` role (403 below it, 404 if out of sight)."""
    return await _checked(request, await require_member(request), minimum)


async def managed_form(request: Request, minimum: str) -> tuple[Managed, FormData]:
    """As `managed`, for a posted form: its CSRF token is checked before anything else."""
    member = await require_member(request)
    form = await submitted_form(request)
    return await _checked(request, member, minimum), form


def back_to(form: FormData, default: str) -> str:
    return local_path(form_text(form, "back") or None, default)


async def call(
    request: Request,
    managed: Managed,
    method: str,
    path: str = "",
    *,
    params: dict[str, Any] | None = None,
    data: FormFields | None = None,
    json: Any = None,
) -> ApiAnswer:
    """The group API at `path` under the group, as the managing member."""
    return await web_context(request).api.call(
        method,
        managed.api_path + path,
        managed.member.token,
        params=params,
        data=data,
        json=json,
    )


async def act(
    request: Request,
    managed: Managed,
    method: str,
    path: str,
    data: FormFields | None = None,
) -> ApiAnswer:
    """An action with nothing to type: a refusal is shown as its own page."""
    try:
        return await call(request, managed, method, path, data=data)
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None


async def render_tab(
    request: Request,
    managed: Managed,
    tab: str,
    template: str,
    values: dict[str, Any],
    *,
    status: int = 200,
) -> Response:
    tabs = [
        (managed.page_path + suffix, label, name == tab)
        for name, suffix, label, minimum in TABS
        if has_role(managed.group, minimum)
    ]
    page_values = {
        "group": managed.group,
        "role": managed.role,
        "tabs": tabs,
        "manage_path": managed.page_path,
        "is_admin_role": has_role(managed.group, "admin"),
        **group_labels(),
        **values,
    }
    return await render(request, template, page_values, status=status)
