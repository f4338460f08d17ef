"""Lists of accounts paged by the id of the row that links them: follows, requests, blocks, mutes.

Each query returns (row id, actor) pairs newest first; the row id is the pagination cursor, as
Mastodon pages these lists by the follow, block or mute id rather than by the account's.
"""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.db.paging import IdWindow


async def _linked(
    conn: Any, sql: str, args: list[Any], window: IdWindow
) -> list[tuple[int, Actor]]:
    """Run `sql` (selecting `row_id, actor_id` from alias `x`, with `$n` args) within a window."""
    bounds, bound_args = window.where("x.id", len(args) + 1)
    rows = await conn.fetch(
        f"{sql} AND {bounds} ORDER BY {window.order('x.id')} LIMIT {int(window.limit)}",
        *args,
        *bound_args,
    )
    actors = {a.id: a for a in await actors_db.by_ids(conn, [row["actor_id"] for row in rows])}
    pairs = [(row["row_id"], actors[row["actor_id"]]) for row in rows if row["actor_id"] in actors]
    return window.arrange(pairs)


async def _network_hidden(conn: Any, account: Actor, viewer: Actor | None) -> bool:
    """Whether the account's followers and follows are hidden from this viewer: it asked to
    hide them (Mastodon's hide_collections), or it blocks the viewer."""
    if viewer is not None and viewer.id == account.id:
        return False
    if account.hide_collections:
        return True
    return viewer is not None and bool(
        await conn.fetchval(
            "SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2", account.id, viewer.id
        )
    )


def _shield(account: Actor, viewer: Actor | None) -> tuple[str, list[Any]]:
    """Leave shielded accounts out of a list shown to anyone but its owner (a viewer still sees
    itself: it knows whom it follows)."""
    if viewer is not None and viewer.id == account.id:
        return "true", []
    if viewer is None:
        return "NOT a.shielded", []
    return "(NOT a.shielded OR a.id = $2)", [viewer.id]


async def followers(
    conn: Any, account: Actor, viewer: Actor | None, window: IdWindow
) -> list[tuple[int, Actor]]:
    """Who follows the account, as the viewer may see it."""
    if await _network_hidden(conn, account, viewer):
        return []
    shield, args = _shield(account, viewer)
    return await _linked(
        conn,
        "SELECT x.id AS row_id, x.follower_id AS actor_id FROM follows x"
        " JOIN actors a ON a.id = x.follower_id"
        f" WHERE x.followee_id = $1 AND x.accepted AND {shield}",
        [account.id, *args],
        window,
    )


async def following(
    conn: Any, account: Actor, viewer: Actor | None, window: IdWindow
) -> list[tuple[int, Actor]]:
    """Whom the account follows, as the viewer may see it."""
    if await _network_hidden(conn, account, viewer):
        return []
    shield, args = _shield(account, viewer)
    return await _linked(
        conn,
        "SELECT x.id AS row_id, x.followee_id AS actor_id FROM follows x"
        " JOIN actors a ON a.id = x.followee_id"
        f" WHERE x.follower_id = $1 AND x.accepted AND {shield}",
        [account.id, *args],
        window,
    )


async def follow_requests(conn: Any, account_id: int, window: IdWindow) -> list[tuple[int, Actor]]:
    return await _linked(
        conn,
        "SELECT x.id AS row_id, x.follower_id AS actor_id FROM follows x"
        " WHERE x.followee_id = $1 AND NOT x.accepted",
        [account_id],
        window,
    )


async def blocked(conn: Any, account_id: int, window: IdWindow) -> list[tuple[int, Actor]]:
    return await _linked(
        conn,
        "SELECT x.id AS row_id, x.blocked_id AS actor_id FROM blocks x WHERE x.blocker_id = $1",
        [account_id],
        window,
    )


async def muted(conn: Any, account_id: int, window: IdWindow) -> list[tuple[int, Actor]]:
    return await _linked(
        conn,
        "SELECT x.id AS row_id, x.target_id AS actor_id FROM mutes x"
        " WHERE x.actor_id = $1 AND (x.expires_at IS NULL OR x.expires_at > now())",
        [account_id],
        window,
    )
