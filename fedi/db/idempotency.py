"""Idempotency keys of status creation: a client's retry returns the post it already made."""

from typing import Any

# Mastodon remembers a key for a day; a later reuse of the same key makes a new post.
KEY_LIFETIME_HOURS = 24


async def post_for(conn: Any, actor_id: int, key: str) -> int | None:
    """The post this account made with this key within the lifetime, if any."""
    value = await conn.fetchval(
        "SELECT post_id FROM idempotency_keys WHERE actor_id = $1 AND key = $2"
        " AND created_at > now() - make_interval(hours => $3)",
        actor_id,
        key,
        KEY_LIFETIME_HOURS,
    )
    return None if value is None else int(value)


async def remember(conn: Any, actor_id: int, key: str, post_id: int) -> None:
    """Record the key's post, replacing an expired record of the same key."""
    await conn.execute(
        "INSERT INTO idempotency_keys (actor_id, key, post_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (actor_id, key) DO UPDATE"
        " SET post_id = EXCLUDED.post_id, created_at = now()"
        " WHERE idempotency_keys.created_at <= now() - make_interval(hours => $4)",
        actor_id,
        key,
        post_id,
        KEY_LIFETIME_HOURS,
    )
