"""Queries on bookmarks: the posts an account saved for itself, never shown to anyone else."""

from dataclasses import dataclass
from typing import Any

from fedi.db.paging import IdWindow


@dataclass(frozen=True)
class Bookmark:
    id: int
    post_id: int


async def add(conn: Any, actor_id: int, post_id: int) -> None:
    """Bookmark a post; bookmarking it again keeps the first bookmark (and its place)."""
    await conn.execute(
        "INSERT INTO bookmarks (actor_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        actor_id,
        post_id,
    )


async def remove(conn: Any, actor_id: int, post_id: int) -> None:
    await conn.execute(
        "DELETE FROM bookmarks WHERE actor_id = $1 AND post_id = $2", actor_id, post_id
    )


async def page(conn: Any, actor_id: int, window: IdWindow) -> list[Bookmark]:
    """One page of the account's bookmarks, newest first, bounded on the bookmark's id."""
    where, args = window.where("id", 2)
    rows = await conn.fetch(
        f"SELECT id, post_id FROM bookmarks WHERE actor_id = $1 AND {where}"
        f" ORDER BY {window.order('id')} LIMIT {int(window.limit)}",
        actor_id,
        *args,
    )
    return window.arrange([Bookmark(row["id"], row["post_id"]) for row in rows])
