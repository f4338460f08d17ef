"""Queries on follows: requests (pending) and accepted follows."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Follow:
    id: int
    uri: str
    follower_id: int
    followee_id: int
    accepted: bool
    created_at: datetime


_COLUMNS = "id, uri, follower_id, followee_id, accepted, created_at"


def _follow(row: Any) -> Follow | None:
    return None if row is None else Follow(**dict(row))


async def upsert(
    conn: Any, uri: str, follower_id: int, followee_id: int, *, accepted: bool
) -> Follow:
    """Record a follow; a repeated request keeps its state (an accepted follow stays so)."""
    row = await conn.fetchrow(
        f"INSERT INTO follows (uri, follower_id, followee_id, accepted) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (follower_id, followee_id) DO UPDATE"
        " SET uri = EXCLUDED.uri, accepted = follows.accepted OR EXCLUDED.accepted"
        f" RETURNING {_COLUMNS}",
        uri,
        follower_id,
        followee_id,
        accepted,
    )
    follow = _follow(row)
    assert follow is not None
    return follow


async def between(conn: Any, follower_id: int, followee_id: int) -> Follow | None:
    return _follow(
        await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM follows WHERE follower_id = $1 AND followee_id = $2",
            follower_id,
            followee_id,
        )
    )


async def by_uri(conn: Any, uri: str) -> Follow | None:
    return _follow(await conn.fetchrow(f"SELECT {_COLUMNS} FROM follows WHERE uri = $1", uri))


async def by_id(conn: Any, follow_id: int) -> Follow | None:
    return _follow(await conn.fetchrow(f"SELECT {_COLUMNS} FROM follows WHERE id = $1", follow_id))


async def accept(conn: Any, follow_id: int) -> None:
    await conn.execute("UPDATE follows SET accepted = true WHERE id = $1", follow_id)


async def remove(conn: Any, follow_id: int) -> None:
    await conn.execute("DELETE FROM follows WHERE id = $1", follow_id)


async def remove_between_both_ways(conn: Any, a_id: int, b_id: int) -> None:
    await conn.execute(
        "DELETE FROM follows WHERE (follower_id = $1 AND followee_id = $2)"
        " OR (follower_id = $2 AND followee_id = $1)",
        a_id,
        b_id,
    )


async def pending_for(conn: Any, followee_id: int) -> list[Follow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM follows WHERE followee_id = $1 AND NOT accepted ORDER BY id",
        followee_id,
    )
    return [Follow(**dict(row)) for row in rows]


async def follower_inboxes(conn: Any, followee_id: int) -> list[str]:
    """One inbox per remote follower: the shared inbox where there is one."""
    rows = await conn.fetch(
        "SELECT DISTINCT coalesce(a.shared_inbox_url, a.inbox_url) AS inbox"
        " FROM follows f JOIN actors a ON a.id = f.follower_id"
        " WHERE f.followee_id = $1 AND f.accepted AND NOT a.local",
        followee_id,
    )
    return [row["inbox"] for row in rows]


async def is_following(conn: Any, follower_id: int, followee_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2 AND accepted",
            follower_id,
            followee_id,
        )
    )


async def count_local_followers(conn: Any, actor_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id"
            " WHERE f.followee_id = $1 AND f.accepted AND a.local",
            actor_id,
        )
    )
