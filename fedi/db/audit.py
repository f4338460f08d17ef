"""Queries on the audit log: one append-only row per admin or moderator action."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor_id: int | None
    action: str
    target_type: str
    target: str
    reason: str
    created_at: datetime


_COLUMNS = "id, actor_id, action, target_type, target, reason, created_at"


async def insert(
    conn: Any, actor_id: int | None, action: str, target_type: str, target: str, reason: str
) -> AuditEntry:
    row = await conn.fetchrow(
        "INSERT INTO audit_log (actor_id, action, target_type, target, reason)"
        f" VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}",
        actor_id,
        action,
        target_type,
        target,
        reason,
    )
    return AuditEntry(**dict(row))


async def newest(
    conn: Any, *, limit: int, max_id: int | None = None, since_id: int | None = None
) -> list[AuditEntry]:
    """Entries newest first, below max_id and above since_id when given."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM audit_log"
        " WHERE ($1::bigint IS NULL OR id < $1) AND ($2::bigint IS NULL OR id > $2)"
        " ORDER BY id DESC LIMIT $3",
        max_id,
        since_id,
        limit,
    )
    return [AuditEntry(**dict(row)) for row in rows]
