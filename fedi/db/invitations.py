"""Queries on the invitations admins make for people to sign up with."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from fedi.db.paging import IdWindow


@dataclass(frozen=True)
class Invitation:
    id: int
    code: str
    max_uses: int | None
    uses: int
    expires_at: datetime | None
    created_by: int | None
    created_at: datetime
    revoked_at: datetime | None
    # Whether it still opens a sign-up: not revoked, not expired, not used up.
    usable: bool


_COLUMNS = ", ".join(f.name for f in fields(Invitation) if f.name != "usable")
_USABLE = (
    "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
    " AND (max_uses IS NULL OR uses < max_uses)"
)


def _invitation(row: Any) -> Invitation:
    return Invitation(**dict(row))


async def insert(
    conn: Any, code: str, max_uses: int | None, expires_at: datetime | None, created_by: int | None
) -> Invitation:
    row = await conn.fetchrow(
        "INSERT INTO invitations (code, max_uses, expires_at, created_by) VALUES ($1, $2, $3, $4)"
        f" RETURNING {_COLUMNS}, {_USABLE} AS usable",
        code,
        max_uses,
        expires_at,
        created_by,
    )
    return _invitation(row)


async def by_id(conn: Any, invitation_id: int) -> Invitation | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}, {_USABLE} AS usable FROM invitations WHERE id = $1", invitation_id
    )
    return None if row is None else _invitation(row)


async def by_code(conn: Any, code: str) -> Invitation | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}, {_USABLE} AS usable FROM invitations WHERE code = $1", code
    )
    return None if row is None else _invitation(row)


async def listing(conn: Any, window: IdWindow) -> list[Invitation]:
    """Every invitation, usable or not, newest first."""
    bounds, args = window.where("id", 2)
    rows = await conn.fetch(
        f"SELECT {_COLUMNS}, {_USABLE} AS usable FROM invitations WHERE {bounds}"
        f" ORDER BY {window.order('id')} LIMIT $1",
        window.limit,
        *args,
    )
    return window.arrange([_invitation(row) for row in rows])


async def take_use(conn: Any, code: str) -> int | None:
    """Count one use of a usable invitation and give its id; None if it opens nothing.

    One statement, so two people racing for the last use cannot both have it.
    """
    value = await conn.fetchval(
        f"UPDATE invitations SET uses = uses + 1 WHERE code = $1 AND {_USABLE} RETURNING id", code
    )
    return None if value is None else int(value)


async def revoke(conn: Any, invitation_id: int) -> Invitation | None:
    """Revoke it (once: revoking again keeps the first time); None if there is no such one."""
    await conn.execute(
        "UPDATE invitations SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        invitation_id,
    )
    return await by_id(conn, invitation_id)
