"""Queries on members' sessions (their live access tokens, in browsers and apps) and page
preferences."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_USER_AGENT = 300


@dataclass(frozen=True)
class Session:
    id: int
    app_name: str | None
    created_at: datetime
    last_used_at: datetime | None
    user_agent: str | None


async def note_user_agent(conn: Any, token_id: int, user_agent: str | None) -> None:
    await conn.execute(
        "UPDATE oauth_tokens SET user_agent = $2 WHERE id = $1",
        token_id,
        (user_agent or "")[:MAX_USER_AGENT] or None,
    )


async def sessions_of(conn: Any, actor_id: int) -> list[Session]:
    rows = await conn.fetch(
        "SELECT t.id, a.name AS app_name, t.created_at, t.last_used_at, t.user_agent"
        " FROM oauth_tokens t LEFT JOIN oauth_apps a ON a.id = t.app_id"
        " WHERE t.actor_id = $1 AND t.revoked_at IS NULL ORDER BY t.id DESC",
        actor_id,
    )
    return [Session(**dict(row)) for row in rows]


async def revoke_session(conn: Any, actor_id: int, token_id: int) -> bool:
    status = await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now()"
        " WHERE id = $1 AND actor_id = $2 AND revoked_at IS NULL",
        token_id,
        actor_id,
    )
    return bool(status.endswith(" 1"))


async def revoke_all_sessions(conn: Any, actor_id: int) -> int:
    status = await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE actor_id = $1 AND revoked_at IS NULL",
        actor_id,
    )
    return int(status.split()[-1])


async def interface_language(conn: Any, actor_id: int) -> str | None:
    value = await conn.fetchval(
        "SELECT interface_language FROM users WHERE actor_id = $1", actor_id
    )
    return str(value) if value else None


async def set_interface_language(conn: Any, actor_id: int, language: str | None) -> None:
    await conn.execute(
        "UPDATE users SET interface_language = $2 WHERE actor_id = $1", actor_id, language
    )
