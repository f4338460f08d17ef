"""Node admins' page for the audit log: who did what to what, newest first."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web import admin_names
from fedi.web.admin_forms import query_id
from fedi.web.page import render, require_admin, web_context
from fedi.web.page_api import older

PAGE_SIZE = 50


async def audit_page(request: Request) -> Response:
    member = await require_admin(request)
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    max_id = query_id(request, "max_id")
    if max_id:
        params["max_id"] = max_id
    found = await web_context(request).api.call(
        "GET", "/api/v1/admin/audit_log", member.token, params=params
    )
    values = {
        "entries": found.body,
        "next_max_id": older(found, PAGE_SIZE),
        "actions": admin_names.AUDIT_ACTIONS,
        "target_types": admin_names.AUDIT_TARGETS,
        "modes": admin_names.FEDERATION_MODES,
    }
    return await render(request, "admin/audit.html", values)


def routes() -> list[BaseRoute]:
    return [Route("/admin/audit", audit_page, methods=["GET"])]
