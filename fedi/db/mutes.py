"""Queries on mutes: an account hiding another's posts (and maybe notifications) from itself."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Mute:
    id: int
    actor_id: int
    target_id: int
    hide_notifications: bool
    expires_at: datetime | None
    created_at: datetime


_COLUMNS = "id, actor_id, target_id, hide_notifications, expires_at, created_at"
# A mute past its end no longer counts, whether or not a sweep has deleted it yet.
_ACTIVE = "(expires_at IS NULL OR expires_at > now())"


async def put(
    conn: Any, actor_id: int, target_id: int, *, hide_notifications: bool, seconds: int | None
) -> Mute:
    """Mute, or change an existing mute's terms (Mastodon lets a client call mute again)."""
    row = await conn.fetchrow(
        "INSERT INTO mutes (actor_id, target_id, hide_notifications, expires_at)"
        " VALUES ($1, $2, $3, now() + make_interval(secs => $4))"
        " ON CONFLICT (actor_id, target_id) DO UPDATE"
        " SET hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at"
        f" RETURNING {_COLUMNS}",
        actor_id,
        target_id,
        hide_notifications,
        None if seconds is None else float(seconds),
    )
    return Mute(**dict(row))


async def remove(conn: Any, actor_id: int, target_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM mutes WHERE actor_id = $1 AND target_id = $2", actor_id, target_id
    )
    return result != "DELETE 0"


async def active_for(conn: Any, actor_id: int, target_ids: list[int]) -> dict[int, Mute]:
    """The viewer's mutes in force on any of the targets, by target id."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM mutes WHERE actor_id = $1 AND target_id = ANY($2) AND {_ACTIVE}",
        actor_id,
        target_ids,
    )
    return {row["target_id"]: Mute(**dict(row)) for row in rows}
