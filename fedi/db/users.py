"""Queries on local sign-in accounts."""

from dataclasses import dataclass
from typing import Any


async def insert(conn: Any, actor_id: int, password_hash: str, is_admin: bool) -> None:
    await conn.execute(
        "INSERT INTO users (actor_id, password_hash, is_admin) VALUES ($1, $2, $3)",
        actor_id,
        password_hash,
        is_admin,
    )


async def count(conn: Any) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM users"))


async def count_active_since(conn: Any, days: int) -> int:
    """Accounts created or posting within the window: the closest measure we have for now."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM users u WHERE u.created_at > now() - make_interval(days => $1)"
            " OR EXISTS (SELECT 1 FROM posts p WHERE p.actor_id = u.actor_id"
            "            AND p.created_at > now() - make_interval(days => $1))",
            days,
        )
    )


async def password_hash_for(conn: Any, actor_id: int) -> str | None:
    value = await conn.fetchval("SELECT password_hash FROM users WHERE actor_id = $1", actor_id)
    return None if value is None else str(value)


@dataclass(frozen=True)
class PostingDefaults:
    """What an account's new posts get when the client does not say."""

    visibility: str = "public"
    sensitive: bool = False
    language: str | None = None


async def posting_defaults(conn: Any, actor_id: int) -> PostingDefaults:
    row = await conn.fetchrow(
        "SELECT default_visibility, default_sensitive, default_language FROM users"
        " WHERE actor_id = $1",
        actor_id,
    )
    if row is None:
        return PostingDefaults()
    return PostingDefaults(
        row["default_visibility"], row["default_sensitive"], row["default_language"]
    )


async def is_admin(conn: Any, actor_id: int) -> bool:
    """Whether the account behind `actor_id` is a local admin (False for anyone else)."""
    return bool(await conn.fetchval("SELECT is_admin FROM users WHERE actor_id = $1", actor_id))
