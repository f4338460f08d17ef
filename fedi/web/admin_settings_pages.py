"""Node admins' pages for the instance's profile and invitations, and the admin index page.

Both go through our admin API (/api/fedi/v1/admin/instance and /invitations), which checks
every field and writes the audit log.
"""

from typing import Any

from babel import Locale, UnknownLocaleError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.admin_forms import path_id, query_id
from fedi.web.forms import form_text
from fedi.web.i18n import LANGUAGES, N_, Translator
from fedi.web.page import (
    PageError,
    reader_language,
    redirect,
    register_notices,
    render,
    require_admin,
    submitted_form,
    web_context,
    words_for,
)
from fedi.web.page_api import ApiRefused, older
from fedi.web.session import Member
from fedi.web.templating import POST_LANGUAGES

SETTINGS = "/admin/settings"
INVITATIONS = "/admin/invitations"
INSTANCE_API = "/api/fedi/v1/admin/instance"
INVITATIONS_API = "/api/fedi/v1/admin/invitations"
PAGE_SIZE = 40
MAX_FIELD = 20_000

REGISTRATION_MODES = {
    "closed": N_("Closed to sign-ups"),
    "invite": N_("By invitation"),
    "approval": N_("With approval"),
    "open": N_("Open to everyone"),
}
MODE_EXPLANATIONS = {
    "closed": N_("Nobody can sign up. Invitation links open nothing."),
    "invite": N_("Only people with an invitation link can sign up."),
    "approval": N_(
        "Anyone can ask for an account; an administrator approves each one before it can be"
        " used. An invitation link skips the wait."
    ),
    "open": N_("Anyone can sign up and use the account at once."),
}
# The invitation form's choices: seconds until it expires, and how many accounts it makes.
EXPIRIES = (
    ("1800", N_("30 minutes")),
    ("3600", N_("1 hour")),
    ("21600", N_("6 hours")),
    ("43200", N_("12 hours")),
    ("86400", N_("1 day")),
    ("604800", N_("1 week")),
    ("", N_("Never")),
)
DEFAULT_EXPIRY = "604800"
MAX_USES = ("1", "5", "10", "25", "50", "100", "")
# What the admin API may answer, word for word, so the forms can say it in the reader's language.
# (tests/web/test_admin_settings.py checks this list against fedi/domain/instance_profile.)
API_MESSAGES = frozenset(
    [
        N_("The name must be 1 to 100 characters long."),
        N_("The description must be at most 2000 characters long."),
        N_("There can be at most 20 rules."),
        N_("Each rule must be at most 300 characters long."),
        N_("Choose at least one language."),
        N_("Choose at most 30 languages."),
        N_("The registration mode must be closed, invite, approval or open."),
        N_("An invitation can be used 1 to 1000 times."),
        N_("An invitation lasts between a minute and a year."),
    ]
)

register_notices(
    {
        "admin_settings_saved": N_("The settings are saved."),
        "admin_invitation_made": N_("The invitation link is ready: copy it from the list."),
        "admin_invitation_revoked": N_("The invitation is revoked: its link opens nothing now."),
    }
)


def said(words: Translator, message: str) -> str:
    """The API's message in the reader's language when it is one we know, else as it came."""
    return words.gettext(message) if message in API_MESSAGES else message


async def index(request: Request) -> Response:
    await require_admin(request)
    return await render(request, "admin/index.html")


def _language_choices(current: list[str], reader: str) -> list[tuple[str, str]]:
    """The languages offered as boxes: the common ones, the pages' own and those chosen now,
    named in the reader's language and in its order."""

    def name(code: str) -> str:
        try:
            return Locale.parse(code, sep="-").get_display_name(reader) or code
        except (ValueError, TypeError, UnknownLocaleError):
            return code

    codes = dict.fromkeys([*POST_LANGUAGES, *LANGUAGES, *current])
    return sorted(((code, name(code)) for code in codes), key=lambda pair: pair[1].casefold())


async def _show_settings(
    request: Request,
    member: Member,
    *,
    error: str | None = None,
    entered: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    profile = await web_context(request).api.get(INSTANCE_API, member.token)
    shown = entered or {
        "name": profile["name"],
        "description": profile["description"],
        "rules": "\n".join(profile["rules"]),
        "registrations": profile["registrations"],
        "languages": profile["languages"],
    }
    values = {
        "form": shown,
        "defaults": profile["defaults"],
        "error": error,
        "modes": REGISTRATION_MODES,
        "mode_explanations": MODE_EXPLANATIONS,
        "language_choices": _language_choices(
            [*profile["languages"], *shown["languages"]], await reader_language(request)
        ),
    }
    return await render(request, "admin/settings.html", values, status=status)


async def settings_page(request: Request) -> Response:
    return await _show_settings(request, await require_admin(request))


def _entered(form: FormData) -> dict[str, Any]:
    languages = [value for value in form.getlist("languages") if isinstance(value, str)]
    return {
        "name": form_text(form, "name")[:MAX_FIELD],
        "description": form_text(form, "description")[:MAX_FIELD],
        "rules": form_text(form, "rules")[:MAX_FIELD],
        "registrations": form_text(form, "registrations"),
        "languages": [language[:50] for language in languages[:100]],
    }


async def save_settings(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    entered = _entered(form)
    body = {**entered, "rules": entered["rules"].splitlines()}
    try:
        await web_context(request).api.call("PATCH", INSTANCE_API, member.token, json=body)
    except ApiRefused as refused:
        error = said(await words_for(request), refused.message)
        return await _show_settings(
            request, member, error=error, entered=entered, status=refused.status
        )
    return redirect(SETTINGS, "admin_settings_saved")


async def _show_invitations(
    request: Request, member: Member, *, error: str | None = None, status: int = 200
) -> Response:
    api = web_context(request).api
    max_id = query_id(request, "max_id")
    params: dict[str, Any] = {"limit": PAGE_SIZE, **({"max_id": max_id} if max_id else {})}
    found = await api.call("GET", INVITATIONS_API, member.token, params=params)
    profile = await api.get(INSTANCE_API, member.token)
    values = {
        "invitations": found.body,
        "next_max_id": older(found, PAGE_SIZE),
        "mode": profile["registrations"],
        "modes": REGISTRATION_MODES,
        "expiries": EXPIRIES,
        "default_expiry": DEFAULT_EXPIRY,
        "max_uses_choices": MAX_USES,
        "error": error,
    }
    return await render(request, "admin/invitations.html", values, status=status)


async def invitations_page(request: Request) -> Response:
    return await _show_invitations(request, await require_admin(request))


async def make_invitation(request: Request) -> Response:
    member = await require_admin(request)
    form = await submitted_form(request)
    data = {
        "max_uses": form_text(form, "max_uses")[:20],
        "expires_in": form_text(form, "expires_in")[:20],
    }
    try:
        await web_context(request).api.post(INVITATIONS_API, member.token, data)
    except ApiRefused as refused:
        error = said(await words_for(request), refused.message)
        return await _show_invitations(request, member, error=error, status=refused.status)
    return redirect(INVITATIONS, "admin_invitation_made")


async def revoke_invitation(request: Request) -> Response:
    member = await require_admin(request)
    await submitted_form(request)
    invitation_id = path_id(request)
    try:
        await web_context(request).api.call(
            "DELETE", f"{INVITATIONS_API}/{invitation_id}", member.token
        )
    except ApiRefused as refused:
        if refused.status == 404:
            raise PageError(404, N_("This invitation does not exist.")) from None
        raise PageError(refused.status, N_("The invitation could not be revoked.")) from None
    return redirect(INVITATIONS, "admin_invitation_revoked")


def routes() -> list[BaseRoute]:
    return [
        Route("/admin", index, methods=["GET"]),
        Route(SETTINGS, settings_page, methods=["GET"]),
        Route(SETTINGS, save_settings, methods=["POST"]),
        Route(INVITATIONS, invitations_page, methods=["GET"]),
        Route(INVITATIONS, make_invitation, methods=["POST"]),
        Route(f"{INVITATIONS}/{{id}}/revoke", revoke_invitation, methods=["POST"]),
    ]
