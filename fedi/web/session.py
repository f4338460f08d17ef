"""Who is signed in to the pages: a browser session is an access token of the node's web app.

The cookie holds the token itself (HttpOnly, so no script reads it; only its hash is stored).
It is a browser-session cookie: closing the browser on a shared phone signs the member out.
"""

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.requests import HTTPConnection
from starlette.responses import Response

from fedi.api.auth import hash_secret
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import oauth as oauth_db
from fedi.db import users as users_db
from fedi.db.actors import Actor
from fedi.db.oauth import OAuthApp

SESSION_COOKIE = "fedi_session"
WEB_CLIENT_ID = "fedi-web"
WEB_APP_NAME = "Web"
WEB_SCOPES = ["read", "write", "follow", "push", "admin:read", "admin:write"]
CALLBACK_PATH = "/auth/callback"


@dataclass(frozen=True)
class Member:
    """The signed-in member of a page request, and the token the page calls the API with."""

    actor: Actor
    token: str
    token_id: int
    is_admin: bool


async def web_app_secret(conn: Any) -> str:
    raw = await oauth_db.server_secret(conn, "web-app-secret", secrets.token_bytes(32))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def web_app(conn: Any, base_url: str) -> OAuthApp:
    """The node's own OAuth app, registered the first time a member signs in."""
    found = await oauth_db.app_by_client_id(conn, WEB_CLIENT_ID)
    if found is not None:
        return found
    secret = await web_app_secret(conn)
    await conn.execute(
        "INSERT INTO oauth_apps (client_id, client_secret_hash, name, redirect_uris, scopes)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (client_id) DO NOTHING",
        WEB_CLIENT_ID,
        hash_secret(secret),
        WEB_APP_NAME,
        [base_url + CALLBACK_PATH],
        WEB_SCOPES,
    )
    created = await oauth_db.app_by_client_id(conn, WEB_CLIENT_ID)
    assert created is not None
    return created


async def session_member(connection: HTTPConnection, pool: Any) -> Member | None:
    """The member whose session cookie came with the request, if it is still valid."""
    if "fedi.member" in connection.scope:
        cached: Member | None = connection.scope["fedi.member"]
        return cached
    found: Member | None = None
    secret = connection.cookies.get(SESSION_COOKIE)
    if secret and len(secret) <= 200:
        async with pool.acquire() as conn:
            token = await oauth_db.token_by_hash(conn, hash_secret(secret))
            actor = (
                await actors_db.by_id(conn, token.actor_id) if token and token.actor_id else None
            )
            if token is not None and actor is not None:
                if not await moderation_db.login_refused(conn, actor.id):
                    # Written at most every few minutes: the session list says "last active".
                    await conn.execute(
                        "UPDATE oauth_tokens SET last_used_at = now() WHERE id = $1"
                        " AND (last_used_at IS NULL OR last_used_at < now() - interval '5 min')",
                        token.id,
                    )
                    admin = await users_db.is_admin(conn, actor.id)
                    found = Member(actor, secret, token.id, admin)
    connection.scope["fedi.member"] = found
    return found


def set_session_cookie(response: Response, secret: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, secret, httponly=True, secure=secure, samesite="lax", path="/"
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
