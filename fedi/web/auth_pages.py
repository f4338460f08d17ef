"""Signing in and out of the pages through the node's own OAuth flow, and the session list."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import hash_secret
from fedi.db import oauth as oauth_db
from fedi.db import web_sessions as sessions_db
from fedi.web.i18n import LANGUAGES, N_
from fedi.web.page import (
    LANGUAGE_COOKIE,
    PRIVATE_HEADERS,
    PageError,
    current_member,
    local_path,
    reader_language,
    redirect,
    render,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused
from fedi.web.session import (
    CALLBACK_PATH,
    WEB_CLIENT_ID,
    WEB_SCOPES,
    clear_session_cookie,
    set_session_cookie,
    web_app,
    web_app_secret,
)

# The sign-in in progress: state, PKCE verifier and where to return, for ten minutes.
FLOW_COOKIE = "fedi_sign_in"
FLOW_SECONDS = 600


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def sign_in(request: Request) -> Response:
    context = web_context(request)
    target = local_path(request.query_params.get("next"), "/home")
    if await current_member(request) is not None:
        return RedirectResponse(target, status_code=303)
    async with context.pool.acquire() as conn:
        await web_app(conn, context.settings.base_url)
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    query = {
        "response_type": "code",
        "client_id": WEB_CLIENT_ID,
        "redirect_uri": context.settings.base_url + CALLBACK_PATH,
        "scope": " ".join(WEB_SCOPES),
        "state": state,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "lang": await reader_language(request),
    }
    response = RedirectResponse(
        "/oauth/authorize?" + urlencode(query),
        status_code=303,
        headers=PRIVATE_HEADERS,
    )
    response.set_cookie(
        FLOW_COOKIE,
        f"{state}.{verifier}.{target}",
        max_age=FLOW_SECONDS,
        httponly=True,
        secure=context.secure_cookies,
        samesite="lax",
        path="/auth",
    )
    return response


async def callback(request: Request) -> Response:
    context = web_context(request)
    state, _, rest = request.cookies.get(FLOW_COOKIE, "").partition(".")
    verifier, _, target = rest.partition(".")
    if request.query_params.get("error") == "access_denied":
        return redirect("/")
    code = request.query_params.get("code")
    given_state = request.query_params.get("state", "")
    if not state or not code or not secrets.compare_digest(state, given_state):
        raise PageError(400, N_("This sign-in link has expired. Please sign in again."))
    async with context.pool.acquire() as conn:
        secret = await web_app_secret(conn)
    try:
        answer = await context.api.post(
            "/oauth/token",
            None,
            {
                "grant_type": "authorization_code",
                "client_id": WEB_CLIENT_ID,
                "client_secret": secret,
                "code": code,
                "redirect_uri": context.settings.base_url + CALLBACK_PATH,
                "code_verifier": verifier,
            },
        )
    except ApiRefused:
        raise PageError(400, N_("This sign-in link has expired. Please sign in again.")) from None
    token = str(answer["access_token"])
    async with context.pool.acquire() as conn:
        row = await oauth_db.token_by_hash(conn, hash_secret(token))
        assert row is not None
        await sessions_db.note_user_agent(conn, row.id, request.headers.get("user-agent"))
    response = RedirectResponse(
        local_path(target, "/home"), status_code=303, headers=PRIVATE_HEADERS
    )
    response.delete_cookie(FLOW_COOKIE, path="/auth")
    set_session_cookie(response, token, secure=context.secure_cookies)
    return response


async def sign_out(request: Request) -> Response:
    await submitted_form(request)
    context = web_context(request)
    member = await current_member(request)
    if member is not None:
        async with context.pool.acquire() as conn:
            await sessions_db.revoke_session(conn, member.actor.id, member.token_id)
    response = redirect("/", "signed_out")
    clear_session_cookie(response, secure=context.secure_cookies)
    return response


async def sessions_page(request: Request) -> Response:
    member = await require_member(request)
    async with web_context(request).pool.acquire() as conn:
        sessions = await sessions_db.sessions_of(conn, member.actor.id)
    return await render(
        request, "sessions.html", {"sessions": sessions, "current_id": member.token_id}
    )


async def end_session(request: Request) -> Response:
    member = await require_member(request)
    form = await submitted_form(request)
    raw = form.get("session_id")
    if not isinstance(raw, str) or not raw.isdigit():
        raise PageError(400, N_("That session does not exist."))
    async with web_context(request).pool.acquire() as conn:
        ended = await sessions_db.revoke_session(conn, member.actor.id, int(raw))
    if not ended:
        raise PageError(404, N_("That session does not exist."))
    if int(raw) == member.token_id:
        response = redirect("/", "signed_out")
        clear_session_cookie(response, secure=web_context(request).secure_cookies)
        return response
    return redirect("/settings/sessions", "session_ended")


async def sign_out_everywhere(request: Request) -> Response:
    member = await require_member(request)
    await submitted_form(request)
    context = web_context(request)
    async with context.pool.acquire() as conn:
        await sessions_db.revoke_all_sessions(conn, member.actor.id)
    response = redirect("/", "signed_out_everywhere")
    clear_session_cookie(response, secure=context.secure_cookies)
    return response


async def choose_language(request: Request) -> Response:
    """The switcher on every page: remembered on the account, and in a cookie for visitors."""
    form = await submitted_form(request)
    language = form.get("lang")
    if not isinstance(language, str) or language not in LANGUAGES:
        raise PageError(400, N_("That language is not available."))
    context = web_context(request)
    member = await current_member(request)
    if member is not None:
        async with context.pool.acquire() as conn:
            await sessions_db.set_interface_language(conn, member.actor.id, language)
    back = form.get("next")
    response = redirect(local_path(back if isinstance(back, str) else None, "/"))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        secure=context.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/auth/sign_in", sign_in, methods=["GET"]),
        Route(CALLBACK_PATH, callback, methods=["GET"]),
        Route("/auth/sign_out", sign_out, methods=["POST"]),
        Route("/settings/sessions", sessions_page, methods=["GET"]),
        Route("/settings/sessions/end", end_session, methods=["POST"]),
        Route("/settings/sessions/end_all", sign_out_everywhere, methods=["POST"]),
        Route("/settings/language", choose_language, methods=["POST"]),
    ]
