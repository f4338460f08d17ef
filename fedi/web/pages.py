"""The node's front page: what this organisation is, its public groups, rules, languages."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.config import Settings
from fedi.web.page import current_member, render, web_context
from fedi.web.page_api import ApiRefused

GROUPS_SHOWN = 40


def joining(instance: dict[str, Any], invites: bool) -> str:
    """How one becomes a member: open, approval, invite or closed (the admin's sign-up mode)."""
    registrations = instance.get("registrations") or {}
    if registrations.get("enabled"):
        return "approval" if registrations.get("approval_required") else "open"
    return "invite" if invites else "closed"


async def index(request: Request) -> Response:
    member = await current_member(request)
    api = web_context(request).api
    instance = await api.get("/api/v2/instance", None)
    invites = False
    if not (instance.get("registrations") or {}).get("enabled"):
        # Only Mastodon's v1 entity tells an invitation-only node from a closed one.
        invites = bool((await api.get("/api/v1/instance", None)).get("invites_enabled"))
    try:
        # As a visitor, whoever reads: the front page lists only what anyone may know of.
        groups = await api.get("/api/fedi/v1/groups", None, limit=GROUPS_SHOWN)
    except ApiRefused:
        groups = []
    description = str(instance.get("description") or "").strip()
    values = {
        "instance": instance,
        "paragraphs": [part.strip() for part in description.split("\n\n") if part.strip()],
        "groups": [group for group in groups if group.get("visibility") == "public"],
        "rules": instance.get("rules") or [],
        "node_languages": instance.get("languages") or [],
        "joining": joining(instance, invites),
        "signed_in": member is not None,
    }
    return await render(request, "index.html", values)


def routes(settings: Settings | None = None) -> list[BaseRoute]:
    """The front page's route; `settings` is not needed (the page reads the instance through
    the API, so what the admins change shows at once), only accepted for fedi/app.py's call."""
    return [Route("/", index, methods=["GET"])]
