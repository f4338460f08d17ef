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
