"""Editing the member's profile: name, bio, fields, images, who may follow, shielding, defaults.

The form is sent to the accounts API as any Mastodon app sends it; the API checks the limits
and re-encodes the images. When it refuses, the form comes back with what was typed.
"""

from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.composer import VISIBILITIES
from fedi.web.forms import form_text, form_ticked
from fedi.web.i18n import N_
from fedi.web.page import (
    redirect,
    register_notices,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, Upload
from fedi.web.session import Member

FIELD_ROWS = 4
FLAGS = ("locked", "discoverable", "hide_collections", "bot", "shielded")
IMAGES = ("avatar", "header")
# A default for new posts as the accounts API names them: "This node only" is chosen per post.
PRIVACY_CHOICES = tuple((value, label) for value, label in VISIBILITIES if value != "local")
TEMPLATE = "member/settings_profile.html"

register_notices({"member_profile_saved": N_("Your profile is saved.")})


def _padded(fields: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = [{"name": str(f.get("name", "")), "value": str(f.get("value", ""))} for f in fields]
    rows += [{"name": "", "value": ""}] * (FIELD_ROWS - len(rows))
    return rows[:FIELD_ROWS]


def _current(account: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the API has them now."""
    source = account.get("source") or {}
    return {
        "display_name": account.get("display_name") or "",
        "note": source.get("note") or "",
        "fields": _padded(source.get("fields") or []),
        "locked": bool(account.get("locked")),
        "bot": bool(account.get("bot")),
        "discoverable": bool(source.get("discoverable")),
        "hide_collections": bool(source.get("hide_collections")),
        "shielded": bool(source.get("shielded")),
        "privacy": source.get("privacy") or "public",
        "language": source.get("language") or "",
    }


def _typed(form: FormData) -> dict[str, Any]:
    """The form's values as the member typed them."""
    return {
        "display_name": form_text(form, "display_name"),
        "note": form_text(form, "note"),
        "fields": [
            {
                "name": form_text(form, f"field_name_{index}"),
                "value": form_text(form, f"field_value_{index}"),
            }
            for index in range(FIELD_ROWS)
        ],
        **{flag: form_ticked(form, flag) for flag in FLAGS},
        "privacy": form_text(form, "privacy"),
        "language": form_text(form, "language"),
    }


def _api_fields(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The typed values in the accounts API's parameter names; every flag is sent, an unticked
    box meaning false."""
    fields = [
        ("display_name", values["display_name"]),
        ("note", values["note"]),
        ("source[language]", values["language"]),
    ]
    if values["privacy"]:
        fields.append(("source[privacy]", values["privacy"]))
    fields += [(flag, "true" if values[flag] else "false") for flag in FLAGS]
    for index, field in enumerate(values["fields"]):
        fields += [
            (f"fields_attributes[{index}][name]", field["name"]),
            (f"fields_attributes[{index}][value]", field["value"]),
        ]
    return fields


async def _uploads(form: FormData) -> list[tuple[str, Upload]]:
    chosen = []
    for name in IMAGES:
        image = form.get(name)
        if isinstance(image, UploadFile) and image.filename:
            content = await image.read()
            chosen.append((name, (image.filename, content, image.content_type or "")))
    return chosen


async def _account(request: Request, member: Member) -> dict[str, Any]:
    account: dict[str, Any] = await web_context(request).api.get(
        "/api/v1/accounts/verify_credentials", member.token
    )
    return account


async def _show(
    request: Request,
    account: dict[str, Any],
    values: dict[str, Any],
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    page = {
        "account": account,
        "form": values,
        "error": error,
        "privacy_choices": PRIVACY_CHOICES,
        "field_rows": range(FIELD_ROWS),
    }
    return await render(request, TEMPLATE, page, status=status)


async def profile_form(request: Request) -> Response:
    member = await require_member(request)
    account = await _account(request, member)
    return await _show(request, account, _current(account))


async def save_profile(request: Request) -> Response:
    member = await require_member(request)
    form = await submitted_form(request)
    values = _typed(form)
    try:
        await web_context(request).api.call(
            "PATCH",
            "/api/v1/accounts/update_credentials",
            member.token,
            data=_api_fields(values),
            files=await _uploads(form) or None,
        )
    except ApiRefused as refused:
        account = await _account(request, member)
        return await _show(request, account, values, error=refused.message, status=refused.status)
    return redirect("/settings/profile", "member_profile_saved")


def routes() -> list[BaseRoute]:
    return [
        Route("/settings/profile", profile_form, methods=["GET"]),
        Route("/settings/profile", save_profile, methods=["POST"]),
    ]
