"""Signing up from the pages: the form, invitation links, and what happens after.

The form is a client of Mastodon's POST /api/v1/accounts, called with an app token of the
node's own web app (client credentials, revoked once used). When the account may be used at
once, the token the API gives for it becomes the browser's session: the person is signed in.
"""

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import hash_secret
from fedi.db import oauth as oauth_db
from fedi.db import web_sessions as sessions_db
from fedi.domain import registrations
from fedi.web.i18n import N_, Translator
from fedi.web.page import (
    WebContext,
    current_member,
    reader_language,
    redirect,
    register_notices,
    render,
    submitted_form,
    web_context,
    words_for,
)
from fedi.web.page_api import ApiRefused
from fedi.web.session import WEB_CLIENT_ID, WEB_SCOPES, set_session_cookie, web_app, web_app_secret

SIGN_UP = "/auth/sign_up"
WAITING = "/auth/sign_up/waiting"
# What the API may answer, word for word, so the form can say it in the reader's language.
# (tests/web/test_sign_up.py checks this list holds every message of fedi/domain/registrations.)
API_MESSAGES = frozenset(
    [
        N_("Registrations are closed."),
        N_("An invitation is needed to sign up here."),
        N_("This invitation has expired, been used up or been revoked."),
        N_("You must accept the rules to sign up."),
        N_("Choose a username."),
        N_("A username has 1 to 30 letters, digits or underscores."),
        N_("This username is not available."),
        N_("The password must be at least 8 characters long."),
        N_("The password must be at most 1024 characters long."),
        N_("This is not an e-mail address."),
        N_("This e-mail address is already used by another account."),
        N_("The reason must be at most 1000 characters long."),
        N_("An invitation can be used 1 to 1000 times."),
        N_("An invitation lasts between a minute and a year."),
        N_("This account is not waiting for approval."),
    ]
)
PASSWORDS_DIFFER = N_("The two passwords are not the same.")
# A text field longer than this is not worth sending to the API.
MAX_FIELD = 2_000

register_notices({"sign_up_welcome": N_("Welcome! Your account is ready.")})


def said(words: Translator, message: str) -> str:
    """The API's message in the reader's language when it is one we know, else as it came."""
    return words.gettext(message) if message in API_MESSAGES else message


def _mode(instance: dict[str, Any]) -> str:
    """The registration mode, as Mastodon's V1::Instance tells it."""
    if instance.get("invites_enabled"):
        return "invite"
    if not instance.get("registrations"):
        return "closed"
    return "approval" if instance.get("approval_required") else "open"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


async def _show(
    request: Request,
    *,
    code: str | None = None,
    error: str | None = None,
    entered: FormData | None = None,
    status: int = 200,
) -> Response:
    context = web_context(request)
    instance = await context.api.get("/api/v1/instance", None)
    mode = _mode(instance)
    state = "form"
    if mode == "closed":
        state = "closed"
    elif code is not None:
        async with context.pool.acquire() as conn:
            if not await registrations.invitation_usable(conn, code):
                state, status = "invitation_unusable", 404
    elif mode == "invite":
        state = "invitation_needed"
    values = {
        "state": state,
        "mode": mode,
        "code": code,
        "rules": [rule["text"] for rule in instance.get("rules", [])],
        "error": error,
        "entered": {
            name: _text(entered, name) for name in ("username", "email", "reason", "agreement")
        }
        if entered
        else {},
    }
    return await render(request, "sign_up.html", values, status=status)


async def sign_up_page(request: Request) -> Response:
    if await current_member(request) is not None:
        return RedirectResponse("/home", status_code=303)
    return await _show(request)


async def invitation_page(request: Request) -> Response:
    if await current_member(request) is not None:
        return RedirectResponse("/home", status_code=303)
    code = registrations.clean_code(str(request.path_params["code"])) or ""
    return await _show(request, code=code)


async def waiting_page(request: Request) -> Response:
    return await render(request, "sign_up.html", {"state": "waiting"})


async def _app_token(context: WebContext) -> tuple[str, str]:
    """A token of the web app acting alone, and the app's secret to revoke it with."""
    async with context.pool.acquire() as conn:
        await web_app(conn, context.settings.base_url)
        secret = await web_app_secret(conn)
    answer = await context.api.post(
        "/oauth/token",
        None,
        {
            "grant_type": "client_credentials",
            "client_id": WEB_CLIENT_ID,
            "client_secret": secret,
            "scope": " ".join(WEB_SCOPES),
        },
    )
    return str(answer["access_token"]), secret


async def _register(request: Request, form: FormData) -> dict[str, Any]:
    """The API's answer to the form; ApiRefused when it says no."""
    context = web_context(request)
    fields = {
        "username": _text(form, "username").strip(),
        "password": _text(form, "password"),
        "email": _text(form, "email").strip(),
        "reason": _text(form, "reason").strip(),
        "agreement": "true" if _text(form, "agreement") else "false",
        "locale": await reader_language(request),
    }
    code = _text(form, "invite_code").strip()
    if code:
        fields["invite_code"] = code
    token, secret = await _app_token(context)
    try:
        answer: dict[str, Any] = await context.api.post("/api/v1/accounts", token, fields)
    finally:
        revoke = {"client_id": WEB_CLIENT_ID, "client_secret": secret, "token": token}
        await context.api.post("/oauth/revoke", None, revoke)
    return answer


async def submit(request: Request) -> Response:
    form = await submitted_form(request)
    if await current_member(request) is not None:
        return RedirectResponse("/home", status_code=303)
    code = _text(form, "invite_code").strip() or None
    words = await words_for(request)
    if _text(form, "password") != _text(form, "password_again"):
        error = words.gettext(PASSWORDS_DIFFER)
        return await _show(request, code=code, error=error, entered=form, status=422)
    try:
        answer = await _register(request, form)
    except ApiRefused as refused:
        error = said(words, refused.message)
        return await _show(request, code=code, error=error, entered=form, status=refused.status)
    if "access_token" not in answer:
        return redirect(WAITING)
    context = web_context(request)
    token = str(answer["access_token"])
    async with context.pool.acquire() as conn:
        row = await oauth_db.token_by_hash(conn, hash_secret(token))
        assert row is not None
        await sessions_db.note_user_agent(conn, row.id, request.headers.get("user-agent"))
    response = redirect("/home", "sign_up_welcome")
    set_session_cookie(response, token, secure=context.secure_cookies)
    return response


def routes() -> list[BaseRoute]:
    return [
        Route(SIGN_UP, sign_up_page, methods=["GET"]),
        Route(SIGN_UP, submit, methods=["POST"]),
        Route(WAITING, waiting_page, methods=["GET"]),
        Route("/invite/{code}", invitation_page, methods=["GET"]),
    ]
