"""Queries on reports: filing one, listing them for moderators, and their moderation state."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from fedi.db.paging import IdWindow


@dataclass(frozen=True)
class Report:
    id: int
    uri: str | None
    account_id: int
    target_account_id: int
    status_ids: list[int]
    comment: str
    category: str
    rule_ids: list[int]
    forwarded: bool
    assigned_account_id: int | None
    action_taken_at: datetime | None
    action_taken_by_account_id: int | None
    action_note: str
    created_at: datetime
    updated_at: datetime

    @property
    def resolved(self) -> bool:
        return self.action_taken_at is not None


_COLUMNS = ", ".join(f.name for f in fields(Report))


def _report(row: Any) -> Report | None:
    return None if row is None else Report(**dict(row))


@dataclass(frozen=True)
class Filter:
    """Which reports a moderator's list shows; `resolved` None means both states."""

    resolved: bool | None = False
    account_id: int | None = None
    target_account_id: int | None = None


async def insert(
    conn: Any,
    *,
    uri: str | None,
    account_id: int,
    target_account_id: int,
    status_ids: list[int],
    comment: str,
    category: str,
    rule_ids: list[int],
    forwarded: bool,
) -> Report | None:
    """The new report; None when this Flag already reported this account (a replay)."""
    row = await conn.fetchrow(
        "INSERT INTO reports (uri, account_id, target_account_id, status_ids, comment, category,"
        " rule_ids, forwarded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        f" ON CONFLICT (uri, target_account_id) DO NOTHING RETURNING {_COLUMNS}",
        uri,
        account_id,
        target_account_id,
        status_ids,
        comment,
        category,
        rule_ids,
        forwarded,
    )
    return _report(row)


async def by_id(conn: Any, report_id: int) -> Report | None:
    return _report(await conn.fetchrow(f"SELECT {_COLUMNS} FROM reports WHERE id = $1", report_id))


async def listing(conn: Any, selection: Filter, window: IdWindow) -> list[Report]:
    """A page of reports, newest first."""
    condition, args = window.where("id", 4)
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM reports"
        " WHERE ($1::boolean IS NULL OR (action_taken_at IS NOT NULL) = $1)"
        " AND ($2::bigint IS NULL OR account_id = $2)"
        " AND ($3::bigint IS NULL OR target_account_id = $3)"
        f" AND {condition} ORDER BY {window.order('id')} LIMIT {int(window.limit)}",
        selection.resolved,
        selection.account_id,
        selection.target_account_id,
        *args,
    )
    return window.arrange([Report(**dict(row)) for row in rows])


async def set_assignee(conn: Any, report_id: int, assignee_id: int | None) -> Report | None:
    return _report(
        await conn.fetchrow(
            "UPDATE reports SET assigned_account_id = $2, updated_at = now()"
            f" WHERE id = $1 RETURNING {_COLUMNS}",
            report_id,
            assignee_id,
        )
    )


async def mark_resolved(conn: Any, report_id: int, by_id: int, note: str) -> Report | None:
    return _report(
        await conn.fetchrow(
            "UPDATE reports SET action_taken_at = now(), action_taken_by_account_id = $2,"
            f" action_note = $3, updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",
            report_id,
            by_id,
            note,
        )
    )


async def mark_unresolved(conn: Any, report_id: int) -> Report | None:
    return _report(
        await conn.fetchrow(
            "UPDATE reports SET action_taken_at = NULL, action_taken_by_account_id = NULL,"
            f" updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",
            report_id,
        )
    )


async def seen_from_domain(conn: Any, post_ids: list[int], domain: str) -> list[int]:
    """Those of the posts that were federated to `domain`: public or unlisted, followers-only
    with a follower there, or addressed to someone there. A remote report may cite only these,
    so no server can pull a post it never received in front of our moderators."""
    rows = await conn.fetch(
        "SELECT p.id FROM posts p WHERE p.id = ANY($1) AND ("
        " p.visibility IN ('public', 'unlisted')"
        " OR (p.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows f"
        "     JOIN actors a ON a.id = f.follower_id"
        "     WHERE f.followee_id = p.actor_id AND f.accepted AND a.domain = $2))"
        " OR (p.visibility IN ('followers', 'direct') AND EXISTS (SELECT 1 FROM mentions m"
        "     JOIN actors a ON a.id = m.actor_id WHERE m.post_id = p.id AND a.domain = $2)))"
        " ORDER BY p.id",
        post_ids,
        domain,
    )
    return [int(row["id"]) for row in rows]
