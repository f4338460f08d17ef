"""The rules of signing in with OAuth: registering apps, issuing and redeeming codes, PKCE."""

import asyncio
import base64
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fedi.db import oauth as oauth_db
from fedi.db import sign_ups as sign_ups_db
from fedi.db.oauth import OAuthApp
from fedi.domain.passwords import hash_password, verify_password
from fedi.errors import FediError, InvalidInput

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME_SECONDS = 600
MAX_NAME_LENGTH = 60
MAX_URL_LENGTH = 2000
MAX_REDIRECT_URIS = 20
# scrypt over a megabyte would be a cheap way to make the server work hard.
MAX_PASSWORD_LENGTH = 1024
PKCE_METHODS = ("S256", "plain")
# Schemes a browser would run or read locally instead of handing to an app.
_FORBIDDEN_SCHEMES = frozenset(["javascript", "data", "vbscript", "file", "about", "blob"])
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
# RFC 7636 section 4.1: 43 to 128 unreserved characters.
_PKCE_VALUE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")

# Doorkeeper's wording, which Mastodon clients may show to people.
_DESCRIPTIONS = {
    "invalid_request": "The request is missing a required parameter, includes an unsupported"
    " parameter value, or is otherwise malformed.",
    "invalid_client": "Client authentication failed due to unknown client, no client"
    " authentication included, or unsupported authentication method.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not"
    " match the redirection URI used in the authorization request, or was issued to another"
    " client.",
    "unauthorized_client": "You are not authorized to revoke this token",
    "unsupported_grant_type": "The authorization grant type is not supported by the"
    " authorization server.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "unsupported_response_type": "The authorization server does not support this response type.",
    "access_denied": "The resource owner or authorization server denied the request.",
    "invalid_redirect_uri": "The requested redirect uri is malformed or doesn't match client"
    " redirect URI.",
}


class OAuthError(FediError):
    """An error in RFC 6749's shape: a code for programs and a description for people."""

    def __init__(self, code: str, description: str | None = None, *, status: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.description = description or _DESCRIPTIONS.get(code, code)
        self.status = status or (401 if code == "invalid_client" else 400)


@dataclass(frozen=True)
class Grant:
    """What a token is to be issued for; `actor_id` is None for the app acting alone."""

    app_id: int
    actor_id: int | None
    scopes: list[str]


def check_redirect_uri(uri: str) -> str:
    """An absolute URI without a fragment, or the out-of-band marker; else 422 naming it."""
    if uri == OOB:
        return uri
    if len(uri) > MAX_URL_LENGTH:
        raise InvalidInput(f"Validation failed: Redirect URI is too long: {uri[:100]}...")
    parts = urlsplit(uri)
    has_bad_characters = any(char.isspace() or ord(char) < 32 for char in uri)
    if not _SCHEME.match(parts.scheme) or has_bad_characters:
        raise InvalidInput(f"Validation failed: Redirect URI must be an absolute URI: {uri}")
    if parts.scheme.lower() in _FORBIDDEN_SCHEMES:
        raise InvalidInput(f"Validation failed: Redirect URI has a forbidden scheme: {uri}")
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        raise InvalidInput(f"Validation failed: Redirect URI must be an absolute URI: {uri}")
    if parts.fragment or uri.endswith("#"):
        raise InvalidInput(f"Validation failed: Redirect URI cannot contain a fragment: {uri}")
    return uri


def check_website(website: str | None) -> str | None:
    if website is None or not website.strip():
        return None
    website = website.strip()
    parts = urlsplit(website)
    if len(website) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"Validation failed: Website is not a valid URL: {website[:100]}")
    return website


async def register_app(
    conn: Any,
    *,
    client_id: str,
    secret_hash: str,
    name: str | None,
    website: str | None,
    redirect_uris: list[str],
    scopes: list[str],
) -> OAuthApp:
    """Check and store a client app; only the secret's hash is kept."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Validation failed: Application name can't be blank")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"Validation failed: Application name is too long"
            f" (maximum is {MAX_NAME_LENGTH} characters)"
        )
    # A string parameter carries several URIs one a line, as Doorkeeper stores them.
    uris = [uri.strip() for text in redirect_uris for uri in text.splitlines() if uri.strip()]
    if not uris:
        raise InvalidInput("Validation failed: Redirect URI can't be blank")
    if len(uris) > MAX_REDIRECT_URIS:
        raise InvalidInput(f"Validation failed: at most {MAX_REDIRECT_URIS} redirect URIs")
    checked = list(dict.fromkeys(check_redirect_uri(uri) for uri in uris))
    return await oauth_db.insert_app(
        conn,
        client_id=client_id,
        client_secret_hash=secret_hash,
        name=name,
        website=check_website(website),
        redirect_uris=checked,
        scopes=scopes,
    )


async def authenticate_client(
    conn: Any, client_id: str | None, secret_hash: str | None
) -> OAuthApp:
    """The app whose id and secret these are; `invalid_client` (401) otherwise."""
    app = await oauth_db.app_by_client_id(conn, client_id) if client_id else None
    if app is None or secret_hash is None:
        raise OAuthError("invalid_client")
    if not hmac.compare_digest(app.client_secret_hash, secret_hash):
        raise OAuthError("invalid_client")
    return app


def redirect_uri_for(app: OAuthApp, given: str | None) -> str:
    """The registered redirect URI the request names (or the only one, when it names none)."""
    if not given:
        if len(app.redirect_uris) == 1:
            return app.redirect_uris[0]
        raise OAuthError("invalid_request", "Missing required parameter: redirect_uri.")
    if given not in app.redirect_uris:
        raise OAuthError("invalid_redirect_uri")
    return given


def with_query(uri: str, values: dict[str, str | None]) -> str:
    """`uri` with `values` added to its query, keeping any query it already had."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in values.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def check_challenge(challenge: str | None, method: str | None) -> tuple[str | None, str | None]:
    """A PKCE challenge and its method (RFC 7636 makes `plain` the default), or no PKCE."""
    if not challenge:
        return None, None
    method = method or "plain"
    if method not in PKCE_METHODS:
        raise OAuthError("invalid_request", "code_challenge_method must be S256 or plain.")
    if not _PKCE_VALUE.match(challenge):
        raise OAuthError("invalid_request", "code_challenge must be 43 to 128 characters.")
    return challenge, method


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if not _PKCE_VALUE.match(verifier):
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        computed = verifier
    return hmac.compare_digest(computed, challenge)


@functools.cache
def _stand_in_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


async def authenticate(conn: Any, login: str | None, password: str | None) -> int | None:
    """The id of the local account that `login` (username or email) and `password` open."""
    login = (login or "").strip()
    if not login or not password or len(password) > MAX_PASSWORD_LENGTH:
        return None
    found = await oauth_db.sign_in_for(conn, login.removeprefix("@"), login)
    # Without an account a hash is still checked, so the answer takes as long either way and
    # does not tell which usernames exist.
    stored = found.password_hash if found else await asyncio.to_thread(_stand_in_hash)
    matches = await asyncio.to_thread(verify_password, password, stored)
    # An account waiting for approval is refused as a wrong password is: nothing to tell apart.
    approved = found is not None and await sign_ups_db.is_approved(conn, found.actor_id)
    return found.actor_id if found and matches and approved else None


async def issue_code(
    conn: Any,
    *,
    code_hash: str,
    app: OAuthApp,
    actor_id: int,
    scopes: list[str],
    redirect_uri: str,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> None:
    """Store a one-use code, valid for ten minutes, for the account that approved the app."""
    await oauth_db.insert_code(
        conn,
        code_hash=code_hash,
        app_id=app.id,
        actor_id=actor_id,
        scopes=scopes,
        redirect_uri=redirect_uri,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        lifetime_seconds=CODE_LIFETIME_SECONDS,
    )


async def redeem_code(
    conn: Any,
    app: OAuthApp,
    code_hash: str | None,
    redirect_uri: str | None,
    verifier: str | None,
) -> Grant:
    """Exchange a code for a grant. The code is gone once a token is issued in the same
    transaction; a failed attempt raises, so its transaction leaves the code in place."""
    if not code_hash:
        raise OAuthError("invalid_request", "Missing required parameter: code.")
    if not redirect_uri:
        raise OAuthError("invalid_request", "Missing required parameter: redirect_uri.")
    code = await oauth_db.take_code(conn, code_hash, app.id)
    if code is None or not code.live or code.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant")
    if code.code_challenge is not None:
        if not verifier:
            raise OAuthError("invalid_request", "Missing required parameter: code_verifier.")
        method = code.code_challenge_method or "plain"
        if not pkce_matches(verifier, code.code_challenge, method):
            raise OAuthError("invalid_grant")
    return Grant(app.id, code.actor_id, code.scopes)


async def password_grant(
    conn: Any, app: OAuthApp, login: str | None, password: str | None, scopes: list[str]
) -> Grant:
    if not login or not password:
        missing = "username" if not login else "password"
        raise OAuthError("invalid_request", f"Missing required parameter: {missing}.")
    actor_id = await authenticate(conn, login, password)
    if actor_id is None:
        raise OAuthError("invalid_grant")
    return Grant(app.id, actor_id, scopes)
