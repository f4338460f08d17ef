"""Queries on blocks between actors."""

from typing import Any


async def add(conn: Any, uri: str, blocker_id: int, blocked_id: int) -> bool:
    row = await conn.fetchval(
        "INSERT INTO blocks (uri, blocker_id, blocked_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING id",
        uri,
        blocker_id,
        blocked_id,
    )
    return row is not None


async def find_uri(conn: Any, blocker_id: int, blocked_id: int) -> str | None:
    value = await conn.fetchval(
        "SELECT uri FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker_id, blocked_id
    )
    return None if value is None else str(value)


async def remove(conn: Any, blocker_id: int, blocked_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker_id, blocked_id
    )
    return result != "DELETE 0"


async def is_blocked_by(conn: Any, actor_id: int, blocker_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker_id, actor_id
        )
    )
