"""Queries on posts."""

from typing import Any


async def count_local(conn: Any) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM posts WHERE local"))


async def count_public_by_actor(conn: Any, actor_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM posts"
            " WHERE actor_id = $1 AND visibility IN ('public', 'unlisted')",
            actor_id,
        )
    )
