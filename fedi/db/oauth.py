"""Queries on OAuth apps, authorization codes and access tokens (secrets stored as SHA-256)."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class OAuthApp:
    id: int
    client_id: str
    client_secret_hash: str
    name: str
    website: str | None
    redirect_uris: list[str]
    scopes: list[str]
    created_at: datetime


@dataclass(frozen=True)
class AccessToken:
    id: int
    app_id: int | None
    actor_id: int | None
    scopes: list[str]
    created_at: datetime


_APP_COLUMNS = ", ".join(f.name for f in fields(OAuthApp))
_TOKEN_COLUMNS = ", ".join(f.name for f in fields(AccessToken))


async def insert_app(
    conn: Any,
    *,
    client_id: str,
    client_secret_hash: str,
    name: str,
    website: str | None,
    redirect_uris: list[str],
    scopes: list[str],
) -> OAuthApp:
    row = await conn.fetchrow(
        "INSERT INTO oauth_apps (client_id, client_secret_hash, name, website, redirect_uris,"
        f" scopes) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_APP_COLUMNS}",
        client_id,
        client_secret_hash,
        name,
        website,
        redirect_uris,
        scopes,
    )
    return OAuthApp(**dict(row))


async def app_by_client_id(conn: Any, client_id: str) -> OAuthApp | None:
    row = await conn.fetchrow(
        f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE client_id = $1", client_id
    )
    return None if row is None else OAuthApp(**dict(row))


async def app_by_id(conn: Any, app_id: int) -> OAuthApp | None:
    row = await conn.fetchrow(f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE id = $1", app_id)
    return None if row is None else OAuthApp(**dict(row))


async def insert_token(
    conn: Any, token_hash: str, app_id: int | None, actor_id: int | None, scopes: list[str]
) -> AccessToken:
    row = await conn.fetchrow(
        "INSERT INTO oauth_tokens (token_hash, app_id, actor_id, scopes)"
        f" VALUES ($1, $2, $3, $4) RETURNING {_TOKEN_COLUMNS}",
        token_hash,
        app_id,
        actor_id,
        scopes,
    )
    return AccessToken(**dict(row))


async def token_by_hash(conn: Any, token_hash: str) -> AccessToken | None:
    row = await conn.fetchrow(
        f"SELECT {_TOKEN_COLUMNS} FROM oauth_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return None if row is None else AccessToken(**dict(row))


async def revoke_token(conn: Any, token_hash: str, app_id: int) -> bool:
    status = await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now()"
        " WHERE token_hash = $1 AND app_id = $2 AND revoked_at IS NULL",
        token_hash,
        app_id,
    )
    return bool(status.endswith(" 1"))


@dataclass(frozen=True)
class AuthCode:
    """An authorization code as taken for exchange; `live` is false once it has expired."""

    app_id: int
    actor_id: int
    scopes: list[str]
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str | None
    live: bool


@dataclass(frozen=True)
class SignIn:
    """What checking a password needs: whose it is and its stored hash."""

    actor_id: int
    password_hash: str


async def insert_code(
    conn: Any,
    *,
    code_hash: str,
    app_id: int,
    actor_id: int,
    scopes: list[str],
    redirect_uri: str,
    code_challenge: str | None,
    code_challenge_method: str | None,
    lifetime_seconds: int,
) -> None:
    # Codes that were never exchanged would otherwise stay for ever; issuing is rare enough
    # to carry the clean-up.
    await conn.execute("DELETE FROM oauth_codes WHERE expires_at < now()")
    await conn.execute(
        "INSERT INTO oauth_codes (code_hash, app_id, actor_id, scopes, redirect_uri,"
        " code_challenge, code_challenge_method, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))",
        code_hash,
        app_id,
        actor_id,
        scopes,
        redirect_uri,
        code_challenge,
        code_challenge_method,
        float(lifetime_seconds),
    )


async def take_code(conn: Any, code_hash: str, app_id: int) -> AuthCode | None:
    """Remove and return the app's code: whatever the outcome, a code is tried only once."""
    row = await conn.fetchrow(
        "DELETE FROM oauth_codes WHERE code_hash = $1 AND app_id = $2"
        " RETURNING app_id, actor_id, scopes, redirect_uri, code_challenge,"
        " code_challenge_method, expires_at > now() AS live",
        code_hash,
        app_id,
    )
    return None if row is None else AuthCode(**dict(row))


async def sign_in_for(conn: Any, username: str, email: str) -> SignIn | None:
    """The local account whose username or email (both case-insensitive) is given."""
    row = await conn.fetchrow(
        "SELECT u.actor_id, u.password_hash FROM users u JOIN actors a ON a.id = u.actor_id"
        " WHERE a.local AND (lower(a.username) = lower($1) OR lower(u.email) = lower($2))"
        " ORDER BY lower(a.username) = lower($1) DESC LIMIT 1",
        username,
        email,
    )
    return None if row is None else SignIn(row["actor_id"], row["password_hash"])


async def server_secret(conn: Any, name: str, candidate: bytes) -> bytes:
    """The node's secret called `name`; `candidate` becomes it if there is none yet."""
    await conn.execute(
        "INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        name,
        candidate,
    )
    value = await conn.fetchval("SELECT value FROM server_secrets WHERE name = $1", name)
    return bytes(value)
