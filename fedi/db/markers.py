"""Queries on markers: where an account stopped reading its home timeline and notifications."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

TIMELINES = ("home", "notifications")


@dataclass(frozen=True)
class Marker:
    timeline: str
    last_read_id: int
    version: int
    updated_at: datetime


_COLUMNS = "timeline, last_read_id, version, updated_at"


async def of(conn: Any, actor_id: int, timelines: list[str]) -> list[Marker]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM markers WHERE actor_id = $1 AND timeline = ANY($2)"
        " ORDER BY timeline",
        actor_id,
        timelines,
    )
    return [Marker(**dict(row)) for row in rows]


async def last_read(conn: Any, actor_id: int, timeline: str) -> int | None:
    value = await conn.fetchval(
        "SELECT last_read_id FROM markers WHERE actor_id = $1 AND timeline = $2",
        actor_id,
        timeline,
    )
    return None if value is None else int(value)


async def save(conn: Any, actor_id: int, timeline: str, last_read_id: int) -> Marker:
    """Set the position; the version counts the changes (saving the same position is none)."""
    row = await conn.fetchrow(
        "INSERT INTO markers AS m (actor_id, timeline, last_read_id, version)"
        " VALUES ($1, $2, $3, 1)"
        " ON CONFLICT (actor_id, timeline) DO UPDATE SET"
        " last_read_id = EXCLUDED.last_read_id,"
        " version = m.version + (m.last_read_id <> EXCLUDED.last_read_id)::int,"
        " updated_at = CASE WHEN m.last_read_id <> EXCLUDED.last_read_id"
        " THEN now() ELSE m.updated_at END"
        f" RETURNING {_COLUMNS}",
        actor_id,
        timeline,
        last_read_id,
    )
    return Marker(**dict(row))
