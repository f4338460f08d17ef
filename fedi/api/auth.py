"""Who is calling: bearer tokens, and Mastodon's scopes (granular ones included)."""

import hashlib
import secrets
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from fedi.api.context import api_context
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import oauth as oauth_db
from fedi.db import users as users_db
from fedi.db.actors import Actor
from fedi.db.oauth import AccessToken
from fedi.errors import FediError, Forbidden, Unauthorized

TOP_SCOPES = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
GRANULAR = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
    "admin:read": (
        "accounts",
        "reports",
        "domain_allows",
        "domain_blocks",
        "ip_blocks",
        "email_domain_blocks",
        "canonical_email_blocks",
    ),
    "admin:write": (
        "accounts",
        "reports",
        "domain_allows",
        "domain_blocks",
        "ip_blocks",
        "email_domain_blocks",
        "canonical_email_blocks",
    ),
}
ALL_SCOPES = frozenset(
    [*TOP_SCOPES, *(f"{top}:{sub}" for top, subs in GRANULAR.items() for sub in subs)]
)
# The legacy `follow` scope covers these (Mastodon keeps it for older apps).
FOLLOW_COVERS = frozenset(
    ["read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"]
)


# Mastodon's answer to a token whose account may not use the API (suspended or disabled).
LOGIN_DISABLED = "Your login is currently disabled"


class UnprocessableToken(FediError):
    status = 422


def parse_scopes(text: str | None, default: str = "read") -> list[str]:
    """Split a scope string; an unknown scope is an error naming it."""
    names = (text or default).replace("+", " ").split()
    unknown = [name for name in names if name not in ALL_SCOPES]
    if unknown:
        raise FediError(f"unknown scope: {', '.join(unknown)}")
    return list(dict.fromkeys(names))


def scope_allows(granted: frozenset[str] | set[str] | list[str], required: str) -> bool:
    """Whether the granted scopes include `required` (a parent scope covers its children)."""
    granted = set(granted)
    if required in granted:
        return True
    parent = required.rsplit(":", 1)[0] if required.count(":") >= 1 else None
    if parent and parent != required and parent in granted:
        return True
    return required in FOLLOW_COVERS and "follow" in granted


def scopes_within(requested: list[str], allowed: list[str]) -> bool:
    """Whether every requested scope is covered by what the app registered for."""
    return all(scope_allows(allowed, scope) for scope in requested)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """A request made with a valid token; `actor` is None for an app-only token."""

    token: AccessToken
    actor: Actor | None

    def allows(self, *scopes: str) -> bool:
        """Whether the token holds any one of `scopes`."""
        return any(scope_allows(self.token.scopes, scope) for scope in scopes)


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Browsers cannot set headers on a WebSocket, so the streaming API takes it from the query.
    return connection.query_params.get("access_token") or None


async def issue_token(
    conn: object, app_id: int | None, actor_id: int | None, scopes: list[str]
) -> tuple[str, AccessToken]:
    """A new bearer token: the secret to hand out once, and the stored row."""
    secret = new_secret()
    row = await oauth_db.insert_token(conn, hash_secret(secret), app_id, actor_id, scopes)
    return secret, row


async def caller(connection: HTTPConnection) -> Caller | None:
    """The caller behind the request's token; None without a token, 401 for a bad one."""
    if "fedi.caller" in connection.scope:
        found: Caller | None = connection.scope["fedi.caller"]
        return found
    secret = bearer_token(connection)
    if secret is None:
        connection.scope["fedi.caller"] = None
        return None
    context = api_context(connection)
    async with context.pool.acquire() as conn:
        token = await oauth_db.token_by_hash(conn, hash_secret(secret))
        if token is None:
            raise Unauthorized("The access token is invalid")
        actor = await actors_db.by_id(conn, token.actor_id) if token.actor_id else None
        # A suspended or disabled account's tokens stop working until a moderator lifts it.
        if actor is not None and await moderation_db.login_refused(conn, actor.id):
            raise Forbidden(LOGIN_DISABLED)
    found = Caller(token, actor)
    connection.scope["fedi.caller"] = found
    return found


async def optional_user(connection: HTTPConnection, *scopes: str) -> Actor | None:
    """The signed-in account if a token was given (checked against `scope`), else None."""
    found = await caller(connection)
    if found is None:
        return None
    if not found.allows(*scopes):
        raise Forbidden("This action is outside the authorized scopes")
    return found.actor


async def require_user(connection: HTTPConnection, *scopes: str) -> Actor:
    """The signed-in account, or Mastodon's 401/403/422 answers."""
    found = await require_token(connection, *scopes)
    if found.actor is None:
        raise UnprocessableToken("This method requires an authenticated user")
    return found.actor


async def require_token(connection: HTTPConnection, *scopes: str) -> Caller:
    """Any valid token with `scope`, user or app-only."""
    found = await caller(connection)
    if found is None:
        raise Unauthorized("The access token is invalid")
    if not found.allows(*scopes):
        raise Forbidden("This action is outside the authorized scopes")
    return found


async def require_admin(connection: HTTPConnection, *scopes: str) -> Actor:
    """A signed-in admin holding one of `scopes`; anyone else gets Mastodon's 403."""
    actor = await require_user(connection, *scopes)
    async with api_context(connection).pool.acquire() as conn:
        allowed = await users_db.is_admin(conn, actor.id)
    if not allowed:
        raise Forbidden("This action is not allowed")
    return actor
