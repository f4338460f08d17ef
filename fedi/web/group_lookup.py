"""Finding a group and its spaces by name for the group pages, through the API as the reader.

A group the reader may not know of is answered exactly as a group that does not exist, with a
404 page that does not even repeat the name that was asked for.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fedi.domain.accounts import USERNAME
from fedi.web.error_pages import error_page
from fedi.web.i18n import N_
from fedi.web.page import NOT_FOUND, PageError, web_context
from fedi.web.page_api import ApiRefused
from fedi.web.session import Member

GROUPS_API = "/api/fedi/v1/groups"
ROLE_RANK = {"member": 0, "moderator": 1, "admin": 2, "owner": 3}
# What the pages call each choice the API knows; shown through the catalogs.
VISIBILITY_NAMES = {
    "public": N_("Public"),
    "members": N_("Members only"),
    "confidential": N_("Confidential"),
}
VISIBILITY_HINTS = {
    "public": N_("Anyone can find the group and read its public posts; it federates."),
    "members": N_("Only members see the group and its posts; members may be on other servers."),
    "confidential": N_(
        "Only members on this node know the group exists; nothing of it ever leaves this node."
    ),
}
JOIN_POLICY_NAMES = {
    "open": N_("Open: anyone may join"),
    "approval": N_("On request: moderators approve each member"),
    "invite": N_("By invitation only"),
}
ROLE_NAMES = {
    "owner": N_("Owner"),
    "admin": N_("Administrator"),
    "moderator": N_("Moderator"),
    "member": N_("Member"),
}


class GroupMissing(Exception):
    """No group (or space) of that name that the reader may know of."""


Handler = Callable[[Request], Awaitable[Response]]


def hides_missing(handler: Handler) -> Handler:
    """The handler, answering for a group it cannot show as for a page that does not exist."""

    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except GroupMissing:
            return await not_found(request)

    return answer


async def not_found(request: Request) -> Response:
    # The page is the same whether or not a group of that name exists.
    return await error_page(request, 404, NOT_FOUND, headers={"Vary": "Accept"})


def group_name(request: Request) -> str:
    name = str(request.path_params["username"])
    if not USERNAME.match(name):
        raise GroupMissing()
    return name


async def find_group(request: Request, member: Member | None) -> dict[str, Any]:
    """The group named in the path, as the group API shows it to the reader."""
    name = group_name(request)
    api = web_context(request).api
    token = member.token if member else None
    try:
        # A bare name is a local account: the lookup never makes this node ask another one.
        account = await api.get("/api/v1/accounts/lookup", token, acct=name)
        if not account.get("group"):
            raise GroupMissing()
        group: dict[str, Any] = await api.get(f"{GROUPS_API}/{account['id']}", token)
    except ApiRefused as refused:
        if refused.status in (401, 403, 404, 410):
            raise GroupMissing() from None
        raise PageError(refused.status, refused.message) from None
    return group


async def group_spaces(request: Request, member: Member | None, group_id: str) -> list[Any]:
    token = member.token if member else None
    spaces: list[Any] = await web_context(request).api.get(f"{GROUPS_API}/{group_id}/spaces", token)
    return spaces


def role_of(group: dict[str, Any]) -> str | None:
    """The reader's role in the group when an approved member, else None."""
    found = group.get("membership") or {}
    return str(found["role"]) if found.get("state") == "member" else None


def has_role(group: dict[str, Any], minimum: str) -> bool:
    role = role_of(group)
    return role is not None and ROLE_RANK.get(role, -1) >= ROLE_RANK[minimum]


def group_labels() -> dict[str, Any]:
    """The names of choices every group template shows."""
    return {
        "group_visibility_names": VISIBILITY_NAMES,
        "visibility_hints": VISIBILITY_HINTS,
        "join_policy_names": JOIN_POLICY_NAMES,
        "role_names": ROLE_NAMES,
    }
