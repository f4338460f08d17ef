"""Queries on likes and boosts: one per actor and post, each with the activity URI that made it."""

from dataclasses import dataclass
from typing import Any

TABLES = ("likes", "boosts")


@dataclass(frozen=True)
class Reaction:
    id: int
    uri: str
    actor_id: int
    post_id: int


def _table(kind: str) -> str:
    if kind not in TABLES:
        raise ValueError(f"unknown reaction table {kind!r}")
    return kind


async def add(conn: Any, kind: str, uri: str, actor_id: int, post_id: int) -> Reaction | None:
    """Record it; None when this actor already had one on this post (or the URI is known)."""
    row = await conn.fetchrow(
        f"INSERT INTO {_table(kind)} (uri, actor_id, post_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING id, uri, actor_id, post_id",
        uri,
        actor_id,
        post_id,
    )
    return None if row is None else Reaction(**dict(row))


async def find(conn: Any, kind: str, actor_id: int, post_id: int) -> Reaction | None:
    row = await conn.fetchrow(
        f"SELECT id, uri, actor_id, post_id FROM {_table(kind)}"
        " WHERE actor_id = $1 AND post_id = $2",
        actor_id,
        post_id,
    )
    return None if row is None else Reaction(**dict(row))


async def by_uri(conn: Any, kind: str, uri: str) -> Reaction | None:
    row = await conn.fetchrow(
        f"SELECT id, uri, actor_id, post_id FROM {_table(kind)} WHERE uri = $1",
        uri,
    )
    return None if row is None else Reaction(**dict(row))


async def remove(conn: Any, kind: str, reaction_id: int) -> None:
    await conn.execute(f"DELETE FROM {_table(kind)} WHERE id = $1", reaction_id)


async def count(conn: Any, kind: str, post_id: int) -> int:
    return int(
        await conn.fetchval(f"SELECT count(*) FROM {_table(kind)} WHERE post_id = $1", post_id)
    )


async def set_boost_visibility(conn: Any, boost_id: int, visibility: str) -> None:
    """A boost shown to the booster's followers only, or unlisted, rather than public."""
    await conn.execute("UPDATE boosts SET visibility = $2 WHERE id = $1", boost_id, visibility)
