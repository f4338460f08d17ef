"""Queries on inbox_items: the durable queue of received activities."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

# Workers LISTEN here; a stored activity NOTIFYs it in the transaction that stores it.
CHANNEL = "fedi_inbox"
MAX_ERROR_LENGTH = 2_000


@dataclass(frozen=True)
class InboxItem:
    id: int
    activity_uri: str
    activity_type: str
    signer_id: int | None
    document: dict[str, Any]
    state: str
    attempts: int
    next_attempt_at: datetime
    lease_until: datetime | None
    last_error: str | None
    received_at: datetime
    finished_at: datetime | None


_COLUMNS = ", ".join(f.name for f in fields(InboxItem))


def _item(row: Any) -> InboxItem | None:
    return None if row is None else InboxItem(**dict(row))


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:MAX_ERROR_LENGTH]


async def insert(
    conn: Any,
    *,
    activity_uri: str,
    activity_type: str,
    signer_id: int,
    document: dict[str, Any],
) -> int | None:
    """The new item's id, or None when an activity with this uri was stored before."""
    item_id = await conn.fetchval(
        "INSERT INTO inbox_items (activity_uri, activity_type, signer_id, document)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (activity_uri) DO NOTHING RETURNING id",
        activity_uri,
        activity_type,
        signer_id,
        document,
    )
    return None if item_id is None else int(item_id)


async def notify(conn: Any) -> None:
    """Wake the workers; inside a transaction PostgreSQL delivers it only on commit."""
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


async def by_uri(conn: Any, activity_uri: str) -> InboxItem | None:
    return _item(
        await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM inbox_items WHERE activity_uri = $1",
            activity_uri,
        )
    )


async def by_id(conn: Any, item_id: int) -> InboxItem | None:
    return _item(await conn.fetchrow(f"SELECT {_COLUMNS} FROM inbox_items WHERE id = $1", item_id))


async def claim(conn: Any, *, batch: int, lease_seconds: float) -> list[InboxItem]:
    """Lease up to `batch` due items, oldest first, counting this as one more attempt.

    The lease keeps other workers off an item while it is processed without holding a lock
    across the claim; a worker that dies loses its lease and the item comes back.
    """
    rows = await conn.fetch(
        "UPDATE inbox_items SET lease_until = now() + make_interval(secs => $2),"
        "  attempts = attempts + 1"
        " WHERE id IN ("
        "   SELECT id FROM inbox_items"
        "   WHERE state = 'pending' AND next_attempt_at <= now()"
        "     AND (lease_until IS NULL OR lease_until < now())"
        "   ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)"
        f" RETURNING {_COLUMNS}",
        batch,
        float(lease_seconds),
    )
    return sorted((InboxItem(**dict(row)) for row in rows), key=lambda item: item.id)


async def lock_claimed(conn: Any, item_id: int, attempts: int) -> bool:
    """Lock an item for the rest of the transaction, if this claim (its attempt) still holds.

    False when another worker has since re-claimed it after the lease ran out. It waits for
    a lock held elsewhere rather than skipping: another worker's claim query may hold the row
    for an instant, and skipping would strand the item until its lease ran out, and after
    five such strandings park it unprocessed. The wait ends when that transaction does, and
    the attempt check is made again on the row as it then is.
    """
    found = await conn.fetchval(
        "SELECT id FROM inbox_items WHERE id = $1 AND state = 'pending' AND attempts = $2"
        " FOR UPDATE",
        item_id,
        attempts,
    )
    return found is not None


async def mark_done(conn: Any, item_id: int, note: str | None = None) -> None:
    await _finish(conn, item_id, "done", note)


async def mark_refused(conn: Any, item_id: int, reason: str) -> None:
    await _finish(conn, item_id, "refused", reason)


async def park(conn: Any, item_id: int, error: str) -> None:
    await _finish(conn, item_id, "parked", error)


async def _finish(conn: Any, item_id: int, state: str, note: str | None) -> None:
    await conn.execute(
        "UPDATE inbox_items SET state = $2, last_error = $3, lease_until = NULL,"
        " finished_at = now() WHERE id = $1",
        item_id,
        state,
        _clip(note),
    )


async def schedule_retry(conn: Any, item_id: int, error: str, delay_seconds: float) -> None:
    await conn.execute(
        "UPDATE inbox_items SET state = 'pending', last_error = $2, lease_until = NULL,"
        " next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
        item_id,
        _clip(error),
        float(delay_seconds),
    )


async def count_by_state(conn: Any) -> dict[str, int]:
    rows = await conn.fetch("SELECT state, count(*) AS n FROM inbox_items GROUP BY state")
    return {row["state"]: int(row["n"]) for row in rows}


async def count_pending(conn: Any, *, cap: int) -> int:
    """How many items wait to be processed, counting no further than `cap`: an index-only walk
    whose cost stays bounded however long the backlog grows."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM inbox_items WHERE state = 'pending' LIMIT $1) b",
            cap,
        )
    )
