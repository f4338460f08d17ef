"""The audit log: who did what to what, when and why, for every admin or moderator action."""

from typing import Any

from fedi.db import audit as db_audit
from fedi.db.audit import AuditEntry
from fedi.errors import InvalidInput

__all__ = ["AuditEntry", "entries", "record"]

MAX_LIMIT = 500


async def record(
    conn: Any,
    actor_id: int | None,
    action: str,
    target_type: str,
    target: str,
    reason: str = "",
) -> None:
    """Append an entry in the caller's transaction, so the action and its record stand or fall
    together. actor_id None means the node itself (a CLI command or an automatic rule)."""
    if not action or not target_type:
        raise ValueError("an audit entry needs an action and a target type")
    await db_audit.insert(conn, actor_id, action, target_type, target, reason)


async def entries(
    conn: Any, *, limit: int = 100, max_id: int | None = None, since_id: int | None = None
) -> list[AuditEntry]:
    """Entries newest first; max_id pages back in time."""
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    return await db_audit.newest(conn, limit=limit, max_id=max_id, since_id=since_id)
