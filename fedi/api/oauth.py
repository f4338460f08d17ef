"""Mastodon client API: app registration, the OAuth sign-in page, tokens and their revocation."""

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import (
    GRANULAR,
    TOP_SCOPES,
    caller,
    hash_secret,
    issue_token,
    new_secret,
    parse_scopes,
    scopes_within,
)
from fedi.api.context import api_context
from fedi.api.params import Params
from fedi.db import oauth as oauth_db
from fedi.db.oauth import OAuthApp
from fedi.domain import oauth
from fedi.domain.oauth import OOB, Grant, OAuthError
from fedi.errors import FediError, InvalidInput, NotFound, Unauthorized
from fedi.web import csrf
from fedi.web.i18n import N_, Translator, choose_language, translator
from fedi.web.security import CSP_FORMS_MAY_LEAVE
from fedi.web.session import WEB_CLIENT_ID
from fedi.web.templating import templates_for

GRANT_TYPES = ("authorization_code", "password", "client_credentials")
# RFC 6749 section 5.1: answers that carry secrets must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# No form-action: browsers apply it to the redirect after the form, which leaves this site
# for the app's redirect URI by design.
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": CSP_FORMS_MAY_LEAVE,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
FORM_KEY_NAME = "csrf"

# Page texts decided in Python; the templates translate them (the catalogs hold each one).
SCOPE_DESCRIPTIONS = {
    "read": N_("Read all your account's data"),
    "write": N_("Change all your account's data"),
    "follow": N_("Change whom you follow, block and mute"),
    "push": N_("Receive your push notifications"),
    "profile": N_("See your profile information only"),
    "admin:read": N_("Read all data on the server"),
    "admin:write": N_("Change all data on the server"),
}
PART_DESCRIPTIONS = {
    "read": N_("Read part of your account's data"),
    "write": N_("Change part of your account's data"),
    "admin:read": N_("Read part of the server's data"),
    "admin:write": N_("Change part of the server's data"),
}
PAGE_MESSAGES = {
    "wrong_password": N_("Wrong username or password."),
    "expired_form": N_("This form has expired. Please try again."),
    "invalid_client": N_("This application is not known to this server."),
    "invalid_redirect_uri": N_("The return address is not one the application registered."),
    "invalid_request": N_("The request is missing a parameter or has an invalid one."),
    "invalid_scope": N_("The application asked for permissions it did not register."),
    "unsupported_response_type": N_("This server does not support the requested response type."),
    "access_denied": N_("You refused access. You can close this page."),
    "code_heading": N_("Authorization code"),
    "denied_heading": N_("Access denied"),
    "failed_heading": N_("Authorization failed"),
}


def app_to_json(app: OAuthApp) -> dict[str, Any]:
    """Mastodon's Application entity (4.3 form): everything but the secret."""
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes,
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": app.redirect_uris,
        "client_id": app.client_id,
        # Web Push is not offered; Mastodon clients accept an empty key.
        "vapid_key": "",
    }


def _registered_scopes(params: Params) -> list[str]:
    raw = params.raw("scopes")
    text = " ".join(params.strings("scopes")) if isinstance(raw, list) else params.text("scopes")
    try:
        return parse_scopes(text if text and text.strip() else None)
    except FediError as exc:
        raise InvalidInput(f"Validation failed: {exc}") from None


async def create_app(request: Request) -> Response:
    params = await Params.read(request)
    client_id, secret = new_secret(), new_secret()
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        app = await oauth.register_app(
            conn,
            client_id=client_id,
            secret_hash=hash_secret(secret),
            name=params.text("client_name", max_length=1000),
            website=params.text("website", max_length=10_000),
            redirect_uris=params.strings("redirect_uris"),
            scopes=_registered_scopes(params),
        )
    # The secret is shown this once; only its hash is kept.
    body = {**app_to_json(app), "client_secret": secret, "client_secret_expires_at": 0}
    return JSONResponse(body)


async def verify_app(request: Request) -> Response:
    found = await caller(request)
    if found is None:
        raise Unauthorized("The access token is invalid")
    if found.token.app_id is None:
        raise NotFound("This token belongs to no application")
    async with api_context(request).pool.acquire() as conn:
        app = await oauth_db.app_by_id(conn, found.token.app_id)
    if app is None:
        raise NotFound("This token belongs to no application")
    return JSONResponse(app_to_json(app))


# --- the token endpoint ---------------------------------------------------------------------


def _client_credentials(request: Request, params: Params) -> tuple[str | None, str | None]:
    """client_secret_basic (RFC 6749 section 2.3.1) or client_secret_post."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client") from None
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            raise OAuthError("invalid_client")
        return unquote_plus(client_id), unquote_plus(secret)
    return params.text("client_id", max_length=200), params.text("client_secret", max_length=200)


def _scopes_for(app: OAuthApp, text: str | None) -> list[str]:
    """Requested scopes (Mastodon's default is `read`), which the app must have registered."""
    try:
        scopes = parse_scopes(text if text and text.strip() else None)
    except FediError:
        raise OAuthError("invalid_scope") from None
    if not scopes_within(scopes, app.scopes):
        raise OAuthError("invalid_scope")
    return scopes


def _oauth_error(error: OAuthError) -> Response:
    body = {"error": error.code, "error_description": error.description}
    return JSONResponse(body, status_code=error.status, headers=NO_STORE)


def _optional_hash(secret: str | None) -> str | None:
    return hash_secret(secret) if secret else None


async def _grant(conn: Any, app: OAuthApp, grant_type: str, params: Params) -> Grant:
    if grant_type == "authorization_code":
        return await oauth.redeem_code(
            conn,
            app,
            _optional_hash(params.text("code", max_length=200)),
            params.text("redirect_uri", max_length=oauth.MAX_URL_LENGTH),
            params.text("code_verifier", max_length=200),
        )
    scopes = _scopes_for(app, params.text("scope", max_length=2000))
    if grant_type == "password":
        login = params.text("username", max_length=1000)
        return await oauth.password_grant(conn, app, login, params.text("password"), scopes)
    return Grant(app.id, None, scopes)


async def token(request: Request) -> Response:
    try:
        params = await Params.read(request)
        grant_type = params.text("grant_type", max_length=100)
        if not grant_type:
            raise OAuthError("invalid_request", "Missing required parameter: grant_type.")
        if grant_type not in GRANT_TYPES:
            raise OAuthError("unsupported_grant_type")
        client_id, client_secret = _client_credentials(request, params)
        async with api_context(request).pool.acquire() as conn, conn.transaction():
            app = await oauth.authenticate_client(conn, client_id, _optional_hash(client_secret))
            grant = await _grant(conn, app, grant_type, params)
            secret, row = await issue_token(conn, grant.app_id, grant.actor_id, grant.scopes)
    except OAuthError as exc:
        return _oauth_error(exc)
    except FediError as exc:
        return _oauth_error(OAuthError("invalid_request", str(exc)))
    body = {
        "access_token": secret,
        "token_type": "Bearer",
        "scope": " ".join(row.scopes),
        "created_at": int(row.created_at.timestamp()),
    }
    return JSONResponse(body, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    try:
        params = await Params.read(request)
        client_id, client_secret = _client_credentials(request, params)
        secret = params.text("token", max_length=200)
        async with api_context(request).pool.acquire() as conn, conn.transaction():
            app = await oauth.authenticate_client(conn, client_id, _optional_hash(client_secret))
            if not secret:
                raise OAuthError("unauthorized_client", status=403)
            found = await oauth_db.token_by_hash(conn, hash_secret(secret))
            # RFC 7009 section 2.2: an unknown or already revoked token is not an error.
            if found is not None:
                if found.app_id != app.id:
                    raise OAuthError("unauthorized_client", status=403)
                await oauth_db.revoke_token(conn, hash_secret(secret), app.id)
    except OAuthError as exc:
        return _oauth_error(exc)
    except FediError as exc:
        return _oauth_error(OAuthError("invalid_request", str(exc)))
    return JSONResponse({}, headers=NO_STORE)


# --- the authorization page -----------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization request whose app, redirect URI, scopes and PKCE were checked."""

    app: OAuthApp
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None

    @property
    def purpose(self) -> str:
        """What a form token is bound to: changing any field voids the token."""
        fields = [self.app.client_id, self.redirect_uri, " ".join(self.scopes)]
        fields += [self.state or "", self.code_challenge or "", self.code_challenge_method or ""]
        return "oauth-authorize\n" + "\n".join(fields)

    def hidden_fields(self, language: str) -> dict[str, str]:
        fields = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": self.code_challenge_method,
            "lang": language,
        }
        return {name: value for name, value in fields.items() if value is not None}


class Refused(Exception):
    """An authorization request that cannot go on; sent back to the app when that is safe."""

    def __init__(self, error: OAuthError, redirect_uri: str | None, state: str | None) -> None:
        super().__init__(error.code)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state


async def _checked_request(conn: Any, params: Params) -> AuthorizationRequest:
    """RFC 6749 section 4.1.2.1: an unknown client or redirect URI is never redirected to."""
    client_id = params.text("client_id", max_length=200)
    app = await oauth_db.app_by_client_id(conn, client_id) if client_id else None
    if app is None:
        raise Refused(OAuthError("invalid_client"), None, None)
    try:
        redirect_uri = oauth.redirect_uri_for(
            app, params.text("redirect_uri", max_length=oauth.MAX_URL_LENGTH)
        )
    except OAuthError as exc:
        raise Refused(exc, None, None) from None
    state = params.text("state", max_length=2000)
    try:
        if params.text("response_type") != "code":
            raise OAuthError("unsupported_response_type")
        scopes = _scopes_for(app, params.text("scope", max_length=2000))
        challenge, method = oauth.check_challenge(
            params.text("code_challenge", max_length=200),
            params.text("code_challenge_method", max_length=20),
        )
    except OAuthError as exc:
        raise Refused(exc, redirect_uri, state) from None
    return AuthorizationRequest(app, redirect_uri, scopes, state, challenge, method)


def _translator(request: Request, params: Params) -> Translator:
    language = choose_language(
        params.text("lang", max_length=35), request.headers.get("accept-language")
    )
    return translator(language)


def _describe(scope: str) -> str:
    return SCOPE_DESCRIPTIONS.get(scope) or PART_DESCRIPTIONS[scope.rsplit(":", 1)[0]]


def _page(
    request: Request,
    words: Translator,
    template: str,
    values: dict[str, Any],
    status: int = 200,
) -> Response:
    context = {
        "lang": words.language,
        "dir": words.direction,
        "_": words.gettext,
        "instance_name": api_context(request).settings.instance_name,
        **values,
    }
    return templates_for(words.language).TemplateResponse(
        request, template, context, status_code=status, headers=PAGE_HEADERS
    )


async def _form_key(conn: Any) -> bytes:
    return await oauth_db.server_secret(conn, FORM_KEY_NAME, secrets.token_bytes(32))


def _form(
    request: Request,
    words: Translator,
    checked: AuthorizationRequest,
    key: bytes,
    *,
    error: str | None = None,
    login: str = "",
    status: int = 200,
) -> Response:
    browser = csrf.browser_id(request)
    fresh = browser is None
    browser = browser or csrf.new_browser_id()
    values = {
        "app": checked.app,
        "scopes": [(scope, _describe(scope)) for scope in checked.scopes],
        "fields": checked.hidden_fields(words.language),
        "csrf_token": csrf.make_token(key, browser, checked.purpose),
        "error": error,
        "login": login,
        "server": api_context(request).settings.domain,
        # The node's own pages sign members in; there is no third party to warn about.
        "first_party": checked.app.client_id == WEB_CLIENT_ID,
    }
    response = _page(request, words, "oauth_authorize.html", values, status)
    if fresh:
        csrf.set_browser_cookie(response, browser, secure=request.url.scheme == "https")
    return response


def _refusal(request: Request, words: Translator, refused: Refused) -> Response:
    if refused.redirect_uri is not None and refused.redirect_uri != OOB:
        target = oauth.with_query(
            refused.redirect_uri,
            {
                "error": refused.error.code,
                "error_description": refused.error.description,
                "state": refused.state,
            },
        )
        return RedirectResponse(target, status_code=302, headers=NO_STORE)
    denied = refused.error.code == "access_denied"
    message = PAGE_MESSAGES.get(refused.error.code, PAGE_MESSAGES["invalid_request"])
    heading = PAGE_MESSAGES["denied_heading" if denied else "failed_heading"]
    values = {"heading": heading, "message": message, "code": None}
    return _page(request, words, "oauth_code.html", values, 403 if denied else 400)


async def authorize_page(request: Request) -> Response:
    params = await Params.read(request)
    words = _translator(request, params)
    async with api_context(request).pool.acquire() as conn:
        try:
            checked = await _checked_request(conn, params)
        except Refused as refused:
            return _refusal(request, words, refused)
        key = await _form_key(conn)
    # There are no browser sessions to remember, so `force_login` is always in effect.
    return _form(request, words, checked, key)


async def authorize_submit(request: Request) -> Response:
    params = await Params.read(request)
    words = _translator(request, params)
    login = params.text("username", max_length=1000) or ""
    code = new_secret()
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        try:
            checked = await _checked_request(conn, params)
        except Refused as refused:
            return _refusal(request, words, refused)
        key = await _form_key(conn)
        token = params.text("csrf_token", max_length=200)
        if not csrf.check_token(key, csrf.browser_id(request), checked.purpose, token):
            expired = PAGE_MESSAGES["expired_form"]
            return _form(request, words, checked, key, error=expired, login=login, status=403)
        if params.text("decision") == "deny":
            denied = Refused(OAuthError("access_denied"), checked.redirect_uri, checked.state)
            return _refusal(request, words, denied)
        actor_id = await oauth.authenticate(conn, login, params.text("password"))
        if actor_id is None:
            wrong = PAGE_MESSAGES["wrong_password"]
            return _form(request, words, checked, key, error=wrong, login=login, status=401)
        await oauth.issue_code(
            conn,
            code_hash=hash_secret(code),
            app=checked.app,
            actor_id=actor_id,
            scopes=checked.scopes,
            redirect_uri=checked.redirect_uri,
            code_challenge=checked.code_challenge,
            code_challenge_method=checked.code_challenge_method,
        )
    if checked.redirect_uri == OOB:
        values = {"heading": PAGE_MESSAGES["code_heading"], "code": code}
        return _page(request, words, "oauth_code.html", values)
    target = oauth.with_query(checked.redirect_uri, {"code": code, "state": checked.state})
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


# --- discovery ------------------------------------------------------------------------------


async def server_metadata(request: Request) -> Response:
    """RFC 8414 metadata, with Mastodon's non-standard app registration endpoint."""
    base = api_context(request).settings.base_url
    scopes = [
        *TOP_SCOPES,
        *(f"{top}:{sub}" for top, subs in GRANULAR.items() for sub in subs),
    ]
    body = {
        "issuer": base + "/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": base + "/oauth/authorize",
        "token_endpoint": base + "/oauth/token",
        "app_registration_endpoint": base + "/api/v1/apps",
        "revocation_endpoint": base + "/oauth/revoke",
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    }
    return JSONResponse(body, headers={"Access-Control-Allow-Origin": "*"})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/apps", create_app, methods=["POST"]),
        Route("/api/v1/apps/verify_credentials", verify_app, methods=["GET"]),
        Route("/oauth/authorize", authorize_page, methods=["GET"]),
        Route("/oauth/authorize", authorize_submit, methods=["POST"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/oauth/revoke", revoke, methods=["POST"]),
        Route("/.well-known/oauth-authorization-server", server_metadata, methods=["GET"]),
    ]
