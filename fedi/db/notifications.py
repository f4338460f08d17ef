"""Queries on notifications: recording one, and reading a recipient's, filtered as they may see."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedi.db.account_moderation import SUSPENDED_SQL
from fedi.db.paging import IdWindow
from fedi.db.post_visibility import visible_sql
from fedi.db.timelines import MUTE_IN_FORCE
from fedi.db.user_domain_blocks import blocked_accounts_sql

TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)


@dataclass(frozen=True)
class Notification:
    id: int
    recipient_id: int
    notification_type: str
    from_actor_id: int
    post_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class Selection:
    """Which of a recipient's notifications a list asks for (types[], exclude_types[],
    account_id); `types` None means every type."""

    types: list[str] | None = None
    exclude_types: tuple[str, ...] = ()
    from_actor_id: int | None = None


_COLUMNS = "n.id, n.recipient_id, n.notification_type, n.from_actor_id, n.post_id, n.created_at"


async def accepts_from(conn: Any, recipient_id: int, sender_id: int) -> bool:
    """Whether a notification from the sender may reach the recipient: a local account that
    neither blocks the sender (or the sender's domain) nor mutes them with notifications
    hidden, from a sender not suspended."""
    return bool(
        await conn.fetchval(
            "SELECT a.local"
            " AND NOT EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2)"
            " AND NOT EXISTS (SELECT 1 FROM mutes WHERE actor_id = $1 AND target_id = $2"
            f"   AND hide_notifications AND {MUTE_IN_FORCE})"
            f" AND $2 NOT IN ({blocked_accounts_sql('$1')})"
            f" AND $2 NOT IN ({SUSPENDED_SQL})"
            " FROM actors a WHERE a.id = $1",
            recipient_id,
            sender_id,
        )
    )


async def insert(
    conn: Any, recipient_id: int, kind: str, from_actor_id: int, post_id: int | None
) -> int | None:
    """Record it; None when the same event was recorded before (the unique index says so)."""
    value = await conn.fetchval(
        "INSERT INTO notifications (recipient_id, notification_type, from_actor_id, post_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id",
        recipient_id,
        kind,
        from_actor_id,
        post_id,
    )
    return None if value is None else int(value)


async def remove_event(
    conn: Any,
    kinds: tuple[str, ...],
    from_actor_id: int,
    *,
    recipient_id: int | None = None,
    post_id: int | None = None,
) -> None:
    """Remove the notifications an undone event made: of these kinds, from this actor, about
    this post (or about no post), to this recipient (or to whoever had them)."""
    await conn.execute(
        "DELETE FROM notifications WHERE notification_type = ANY($1) AND from_actor_id = $2"
        " AND ($3::bigint IS NULL OR recipient_id = $3) AND post_id IS NOT DISTINCT FROM $4",
        list(kinds),
        from_actor_id,
        recipient_id,
        post_id,
    )


async def local_boosters(conn: Any, post_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT b.actor_id FROM boosts b JOIN actors a ON a.id = b.actor_id"
        " WHERE b.post_id = $1 AND a.local ORDER BY b.id",
        post_id,
    )
    return [row["actor_id"] for row in rows]


def _shown(selection: Selection, first_placeholder: int) -> tuple[str, list[Any]]:
    """The conditions every read shares: the recipient's own, from someone they do not block,
    of a post they may still see, and of the selected types and sender.

    $1 is the recipient, $2 whether the recipient is local.
    """
    n = first_placeholder
    clauses = [
        "n.recipient_id = $1",
        "NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = $1"
        " AND b.blocked_id = n.from_actor_id)",
        # Nor from a domain the recipient blocked, nor from a suspended account.
        f"n.from_actor_id NOT IN ({blocked_accounts_sql('$1')})",
        f"n.from_actor_id NOT IN ({SUSPENDED_SQL})",
        f"(n.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p WHERE p.id = n.post_id"
        f" AND {visible_sql('p', '$1', '$2')}))",
    ]
    args: list[Any] = []
    if selection.types is not None:
        clauses.append(f"n.notification_type = ANY(${n}::text[])")
        args.append(selection.types)
        n += 1
    if selection.exclude_types:
        clauses.append(f"NOT (n.notification_type = ANY(${n}::text[]))")
        args.append(list(selection.exclude_types))
        n += 1
    if selection.from_actor_id is not None:
        clauses.append(f"n.from_actor_id = ${n}")
        args.append(selection.from_actor_id)
    return " AND ".join(clauses), args


async def page(
    conn: Any, recipient_id: int, recipient_local: bool, window: IdWindow, selection: Selection
) -> list[Notification]:
    """A page of the recipient's notifications, newest first."""
    bounds, bound_args = window.where("n.id", 4)
    shown, shown_args = _shown(selection, 4 + len(bound_args))
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM notifications n WHERE {shown} AND {bounds}"
        f" ORDER BY {window.order('n.id')} LIMIT $3",
        recipient_id,
        recipient_local,
        window.limit,
        *bound_args,
        *shown_args,
    )
    return window.arrange([Notification(**dict(row)) for row in rows])


async def one(
    conn: Any, recipient_id: int, recipient_local: bool, notification_id: int
) -> Notification | None:
    shown, _ = _shown(Selection(), 4)
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM notifications n WHERE {shown} AND n.id = $3",
        recipient_id,
        recipient_local,
        notification_id,
    )
    return None if row is None else Notification(**dict(row))


async def count_after(
    conn: Any,
    recipient_id: int,
    recipient_local: bool,
    after_id: int,
    selection: Selection,
    limit: int,
) -> int:
    """How many shown notifications are newer than `after_id`, counting at most `limit`."""
    shown, args = _shown(selection, 5)
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM notifications n WHERE {shown} AND n.id > $3"
            " LIMIT $4) newer",
            recipient_id,
            recipient_local,
            after_id,
            limit,
            *args,
        )
    )


async def dismiss(conn: Any, recipient_id: int, notification_id: int) -> bool:
    result: str = await conn.execute(
        "DELETE FROM notifications WHERE recipient_id = $1 AND id = $2",
        recipient_id,
        notification_id,
    )
    return result != "DELETE 0"


async def clear(conn: Any, recipient_id: int) -> None:
    await conn.execute("DELETE FROM notifications WHERE recipient_id = $1", recipient_id)
