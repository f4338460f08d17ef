"""Pages of likes and boosts: who reacted to a post, and what an account liked."""

from typing import Any

from fedi.db.paging import IdWindow
from fedi.db.reactions import TABLES, Reaction

_COLUMNS = "id, uri, actor_id, post_id"


def _table(kind: str) -> str:
    if kind not in TABLES:
        raise ValueError(f"unknown reaction table {kind!r}")
    return kind


async def on_post(conn: Any, kind: str, post_id: int, window: IdWindow) -> list[Reaction]:
    """One page of a post's likes or boosts, newest first, bounded on the reaction's id.

    Only boosts shown to everyone are listed, as in Mastodon: a followers-only boost is not
    announced to the post's other readers."""
    where, args = window.where("id", 2)
    if kind == "boosts":
        where += " AND visibility IN ('public', 'unlisted')"
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM {_table(kind)} WHERE post_id = $1 AND {where}"
        f" ORDER BY {window.order('id')} LIMIT {int(window.limit)}",
        post_id,
        *args,
    )
    return window.arrange([Reaction(**dict(row)) for row in rows])


async def by_actor(conn: Any, kind: str, actor_id: int, window: IdWindow) -> list[Reaction]:
    """One page of an account's own likes or boosts, newest first."""
    where, args = window.where("id", 2)
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM {_table(kind)} WHERE actor_id = $1 AND {where}"
        f" ORDER BY {window.order('id')} LIMIT {int(window.limit)}",
        actor_id,
        *args,
    )
    return window.arrange([Reaction(**dict(row)) for row in rows])
