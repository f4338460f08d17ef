"""Group administration for its admins: the group's settings, its spaces, the moderation log."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import form_text, max_id_cursor
from fedi.web.group_lookup import ROLE_NAMES, VISIBILITY_NAMES, hides_missing
from fedi.web.group_manage import Managed, call, managed, managed_form, render_tab
from fedi.web.i18n import N_
from fedi.web.page import redirect, register_notices
from fedi.web.page_api import ApiRefused, older

LOG_SIZE = 40
STRICTNESS = ("public", "members", "confidential")
SETTINGS_FIELDS = ("display_name", "note", "visibility", "join_policy", "language")
# What each kind of moderation log entry says; the part after ':' (a role, a visibility, a
# space's short name) is shown after it.
LOG_ACTIONS = {
    "approve_request": N_("Approved a request to join"),
    "reject_request": N_("Refused a request to join"),
    "invite": N_("Invited"),
    "set_role": N_("Changed a role to"),
    "ban": N_("Banned"),
    "unban": N_("Lifted a ban"),
    "set_visibility": N_("Changed who can see the group to"),
    "create_space": N_("Created the space"),
    "space_visibility": N_("Changed who can see a space"),
    "move_post": N_("Moved a post to the space"),
    "add_member": N_("Added a member (by the node's administrators) as"),
    "remove_post": N_("Removed a post"),
    "pin": N_("Pinned a post"),
    "unpin": N_("Unpinned a post"),
}

register_notices(
    {
        "groups_settings_saved": N_("The group's settings are saved."),
        "groups_space_created": N_("The space is created."),
    }
)


def _rules(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


async def _settings(
    request: Request,
    found: Managed,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    group = found.group
    shown = form or {
        "display_name": group["display_name"],
        "note": group["note"],
        "visibility": group["visibility"],
        "join_policy": group["join_policy"],
        "language": group.get("language") or "",
        "rules": "\n".join(group["rules"]),
    }
    values = {"form": shown, "error": error}
    return await render_tab(
        request, found, "settings", "groups/manage_settings.html", values, status=status
    )


@hides_missing
async def settings(request: Request) -> Response:
    return await _settings(request, await managed(request, "admin"))


@hides_missing
async def save_settings(request: Request) -> Response:
    found, form = await managed_form(request, "admin")
    shown: dict[str, Any] = {name: form_text(form, name) for name in SETTINGS_FIELDS}
    shown["rules"] = form_text(form, "rules")
    change: dict[str, Any] = {
        "display_name": shown["display_name"],
        "note": shown["note"],
        "join_policy": shown["join_policy"],
        "language": shown["language"],
        "rules": _rules(shown["rules"]),
    }
    # Sent only when changed: tightening rewrites every post, which is not done in passing.
    if shown["visibility"] and shown["visibility"] != found.group["visibility"]:
        change["visibility"] = shown["visibility"]
    try:
        await call(request, found, "PATCH", json=change)
    except ApiRefused as refused:
        return await _settings(
            request, found, form=shown, error=refused.message, status=refused.status
        )
    return redirect(f"{found.page_path}/settings", "groups_settings_saved")


def _space_choices(group_visibility: str) -> list[tuple[str, str]]:
    """The visibilities a new space may have: its group's and stricter ones."""
    start = STRICTNESS.index(group_visibility) if group_visibility in STRICTNESS else 0
    return [(value, VISIBILITY_NAMES[value]) for value in STRICTNESS[start:]]


async def _spaces(
    request: Request,
    found: Managed,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    spaces = (await call(request, found, "GET", "/spaces")).body
    values = {
        "spaces": spaces,
        "space_choices": _space_choices(found.group["visibility"]),
        "form": form or {},
        "error": error,
    }
    return await render_tab(
        request, found, "spaces", "groups/manage_spaces.html", values, status=status
    )


@hides_missing
async def spaces(request: Request) -> Response:
    return await _spaces(request, await managed(request, "admin"))


@hides_missing
async def create_space(request: Request) -> Response:
    found, form = await managed_form(request, "admin")
    fields = {name: form_text(form, name) for name in ("name", "slug", "description", "visibility")}
    if not fields["name"]:
        error = N_("A space needs a name.")
        return await _spaces(request, found, form=fields, error=error, status=422)
    try:
        await call(
            request,
            found,
            "POST",
            "/spaces",
            data={name: value for name, value in fields.items() if value},
        )
    except ApiRefused as refused:
        return await _spaces(
            request, found, form=fields, error=refused.message, status=refused.status
        )
    return redirect(f"{found.page_path}/spaces", "groups_space_created")


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry with what it says in words: its label, the space it names (`subject`) and
    the role or visibility chosen (`choice`, a catalog string) or other detail (`detail`)."""
    action, _, rest = str(entry["action"]).partition(":")
    words = {**ROLE_NAMES, **VISIBILITY_NAMES}
    subject, detail = "", rest
    if action == "space_visibility":
        subject, _, detail = rest.partition(":")
    elif action in ("create_space", "move_post"):
        subject, detail = rest, ""
    return {
        **entry,
        "label": LOG_ACTIONS.get(action),
        "subject": subject,
        "choice": words.get(detail),
        "detail": "" if detail in words else detail,
    }


@hides_missing
async def log(request: Request) -> Response:
    found = await managed(request, "admin")
    answer = await call(
        request,
        found,
        "GET",
        "/moderation_log",
        params={"limit": LOG_SIZE, **max_id_cursor(request)},
    )
    values = {
        "entries": [_entry(entry) for entry in answer.body],
        "next_max_id": older(answer, LOG_SIZE),
    }
    return await render_tab(request, found, "log", "groups/manage_log.html", values)


def routes() -> list[BaseRoute]:
    manage = "/groups/{username}/manage"
    return [
        Route(manage + "/settings", settings, methods=["GET"]),
        Route(manage + "/settings", save_settings, methods=["POST"]),
        Route(manage + "/spaces", spaces, methods=["GET"]),
        Route(manage + "/spaces", create_space, methods=["POST"]),
        Route(manage + "/log", log, methods=["GET"]),
    ]
