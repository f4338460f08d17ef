"""Node admins' page for the federation mode and the domain block and allow lists."""

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web import admin_names
from fedi.web.admin_forms import path_id, query_id
from fedi.web.forms import api_flag, form_text
from fedi.web.i18n import N_
from fedi.web.page import (
    page_not_found,
    redirect,
    register_notices,
    render,
    require_admin,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, FormFields, older
from fedi.web.session import Member

PAGE = "/admin/domains"
BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
MODE = "/api/v1/admin/federation_mode"
# The API's ceiling for one page of either list.
PAGE_SIZE = 500
BLOCK_FLAGS = ("reject_media", "reject_reports", "obfuscate")
# One call to the admin API: method, path and form fields.
Call = tuple[str, str, FormFields]

register_notices(
    {
        "admin_domain_blocked": N_("The domain is blocked."),
        "admin_domain_block_saved": N_("The domain block is saved."),
        "admin_domain_unblocked": N_("The domain is unblocked."),
        "admin_domain_allowed": N_("The domain is on the allow list."),
        "admin_domain_disallowed": N_("The domain is off the allow list."),
        "admin_federation_mode_saved": N_("The federation mode is saved."),
    }
)


def _paging(request: Request, name: str) -> dict[str, str | int]:
    """One list's page: each list of the page is paged on its own cursor."""
    max_id = query_id(request, f"{name}_max_id")
    return {"limit": PAGE_SIZE, **({"max_id": max_id} if max_id else {})}


async def _show(
    request: Request,
    member: Member,
    *,
    error: str | None = None,
    status: int = 200,
    entered: tuple[str, FormData] | None = None,
) -> Response:
    """The page; after a refused form, with the API's reason and what the admin typed into
    that form (`entered`: the form's name and fields)."""
    api = web_context(request).api
    mode = (await api.get(MODE, member.token))["mode"]
    blocks = await api.call("GET", BLOCKS, member.token, params=_paging(request, "blocks"))
    allows = await api.call("GET", ALLOWS, member.token, params=_paging(request, "allows"))
    values: dict[str, Any] = {
        "mode": mode,
        "blocks": blocks.body,
        "blocks_next": older(blocks, PAGE_SIZE),
        "allows": allows.body,
        "allows_next": older(allows, PAGE_SIZE),
        "error": error,
        "refill": {entered[0]: {name: form_text(entered[1], name) for name in entered[1]}}
        if entered
        else {},
        "modes": admin_names.FEDERATION_MODES,
        "mode_explanations": admin_names.MODE_EXPLANATIONS,
        "severities": admin_names.SEVERITIES,
        "severity_explanations": admin_names.SEVERITY_EXPLANATIONS,
    }
    return await render(request, "admin/domains.html", values, status=status)


async def domains_page(request: Request) -> Response:
    return await _show(request, await require_admin(request))


def _block_fields(form: FormData) -> dict[str, str]:
    fields = {name: api_flag(form, name) for name in BLOCK_FLAGS}
    for name in ("severity", "private_comment", "public_comment"):
        fields[name] = form_text(form, name)
    return fields


async def _change(
    request: Request,
    member: Member,
    call: Call,
    notice: str,
    entered: tuple[str, FormData] | None = None,
) -> Response:
    """One call to the admin API; when it refuses, the page again with its reason (and what
    the admin typed into a new block or allow, to correct rather than type again)."""
    method, path, data = call
    try:
        await web_context(request).api.call(method, path, member.token, data=data)
    except ApiRefused as refused:
        if refused.status == 404:
            raise page_not_found() from None
        return await _show(
            request, member, error=refused.message, status=refused.status, entered=entered
        )
    return redirect(PAGE, notice)


async def set_mode(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    call = ("PUT", MODE, {"mode": form_text(form, "mode")})
    return await _change(request, member, call, "admin_federation_mode_saved")


async def add_block(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    call = ("POST", BLOCKS, {"domain": form_text(form, "domain"), **_block_fields(form)})
    return await _change(request, member, call, "admin_domain_blocked", ("block", form))


async def edit_block(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    call = ("PUT", f"{BLOCKS}/{path_id(request)}", _block_fields(form))
    return await _change(request, member, call, "admin_domain_block_saved")


async def remove_block(request: Request) -> Response:
    member = await require_admin(request)
    await submitted_form(request)
    call: Call = ("DELETE", f"{BLOCKS}/{path_id(request)}", {})
    return await _change(request, member, call, "admin_domain_unblocked")


async def add_allow(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    call = ("POST", ALLOWS, {"domain": form_text(form, "domain")})
    return await _change(request, member, call, "admin_domain_allowed", ("allow", form))


async def remove_allow(request: Request) -> Response:
    member = await require_admin(request)
    await submitted_form(request)
    call: Call = ("DELETE", f"{ALLOWS}/{path_id(request)}", {})
    return await _change(request, member, call, "admin_domain_disallowed")


def routes() -> list[BaseRoute]:
    return [
        Route(PAGE, domains_page, methods=["GET"]),
        Route(f"{PAGE}/mode", set_mode, methods=["POST"]),
        Route(f"{PAGE}/blocks", add_block, methods=["POST"]),
        Route(f"{PAGE}/blocks/{{id}}", edit_block, methods=["POST"]),
        Route(f"{PAGE}/blocks/{{id}}/delete", remove_block, methods=["POST"]),
        Route(f"{PAGE}/allows", add_allow, methods=["POST"]),
        Route(f"{PAGE}/allows/{{id}}/delete", remove_allow, methods=["POST"]),
    ]
