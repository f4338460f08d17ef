"""Node admins' pages for reports: the open (or resolved) ones, and one report with its actions."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web import admin_names
from fedi.web.admin_forms import path_id, query_id
from fedi.web.forms import form_text
from fedi.web.i18n import N_
from fedi.web.page import (
    NOT_FOUND,
    PageError,
    redirect,
    register_notices,
    render,
    require_admin,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, FormFields, older
from fedi.web.session import Member

PAGE = "/admin/reports"
API = "/api/v1/admin/reports"
PAGE_SIZE = 20
# What the buttons under a report ask the reports API to do, and what the page says after.
REPORT_ACTIONS = {
    "assign": ("assign_to_self", "admin_report_assigned"),
    "unassign": ("unassign", "admin_report_unassigned"),
    "resolve": ("resolve", "admin_report_resolved"),
    "reopen": ("reopen", "admin_report_reopened"),
}

register_notices(
    {
        "admin_report_assigned": N_("The report is yours to handle."),
        "admin_report_unassigned": N_("The report is no longer assigned."),
        "admin_report_resolved": N_("The report is resolved."),
        "admin_report_reopened": N_("The report is open again."),
        "admin_report_account_acted": N_("The action on the account is done."),
    }
)


def _names() -> dict[str, Any]:
    return {
        "categories": admin_names.REPORT_CATEGORIES,
        "account_actions": admin_names.ACCOUNT_ACTIONS,
    }


async def reports_page(request: Request) -> Response:
    member = await require_admin(request)
    resolved = request.query_params.get("resolved") == "1"
    target = query_id(request, "target_account_id")
    max_id = query_id(request, "max_id")
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    if resolved:
        params["resolved"] = "true"
    if target:
        params["target_account_id"] = target
    if max_id:
        params["max_id"] = max_id
    found = await web_context(request).api.call("GET", API, member.token, params=params)
    values = {
        **_names(),
        "reports": found.body,
        "resolved": resolved,
        "target_account_id": target,
        "next_max_id": older(found, PAGE_SIZE),
    }
    return await render(request, "admin/reports.html", values)


async def _report(request: Request, member: Member, report_id: str) -> dict[str, Any]:
    try:
        report: dict[str, Any] = await web_context(request).api.get(
            f"{API}/{report_id}", member.token
        )
    except ApiRefused as refused:
        raise PageError(
            refused.status, NOT_FOUND if refused.status == 404 else refused.message
        ) from None
    return report


async def _show(
    request: Request, member: Member, *, error: str | None = None, status: int = 200
) -> Response:
    report = await _report(request, member, path_id(request))
    values = {**_names(), "report": report, "error": error}
    return await render(request, "admin/report.html", values, status=status)


async def report_page(request: Request) -> Response:
    return await _show(request, await require_admin(request))


async def _call(
    request: Request, member: Member, path: str, data: FormFields, notice: str
) -> Response:
    """One call to the admin API; when it refuses, the report again with its reason."""
    try:
        await web_context(request).api.call("POST", path, member.token, data=data)
    except ApiRefused as refused:
        if refused.status == 404:
            raise PageError(404, NOT_FOUND) from None
        return await _show(request, member, error=refused.message, status=refused.status)
    return redirect(f"{PAGE}/{path_id(request)}", notice)


async def report_action(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    action = str(request.path_params["action"])
    if action not in REPORT_ACTIONS:
        raise PageError(404, NOT_FOUND)
    endpoint, notice = REPORT_ACTIONS[action]
    data = {"note": form_text(form, "note")} if action == "resolve" else {}
    return await _call(request, member, f"{API}/{path_id(request)}/{endpoint}", data, notice)


async def account_action(request: Request) -> Response:
    """An action on the reported account, answering this report (the API resolves it)."""
    member = await require_admin(request)
    form = await submitted_form(request)
    report_id = path_id(request)
    # The account is the report's own target, never one named by the form.
    target = (await _report(request, member, report_id))["target_account"]
    data = {
        "type": form_text(form, "type"),
        "text": form_text(form, "text"),
        "report_id": report_id,
    }
    path = f"/api/v1/admin/accounts/{target['id']}/action"
    return await _call(request, member, path, data, "admin_report_account_acted")


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, reports_page, methods=["GET"]),
        Route(f"{PAGE}/{{id}}", report_page, methods=["GET"]),
        Route(f"{PAGE}/{{id}}/account_action", account_action, methods=["POST"]),
        Route(f"{PAGE}/{{id}}/{{action}}", report_action, methods=["POST"]),
    ]
