"""Domain policy rows as the admin API addresses them: by id."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedi.db.domain_policy import DomainBlock

_BLOCK_COLUMNS = (
    "id, domain, severity, reject_media, reject_reports, private_comment, public_comment,"
    " obfuscate, created_at"
)


@dataclass(frozen=True)
class DomainAllowRow:
    id: int
    domain: str
    created_at: datetime


async def block_by_id(conn: Any, block_id: int) -> DomainBlock | None:
    row = await conn.fetchrow(f"SELECT {_BLOCK_COLUMNS} FROM domain_blocks WHERE id = $1", block_id)
    return None if row is None else DomainBlock(**dict(row))


async def all_allows(conn: Any) -> list[DomainAllowRow]:
    rows = await conn.fetch("SELECT id, domain, created_at FROM domain_allows ORDER BY id")
    return [DomainAllowRow(**dict(row)) for row in rows]


async def allow_by_id(conn: Any, allow_id: int) -> DomainAllowRow | None:
    row = await conn.fetchrow(
        "SELECT id, domain, created_at FROM domain_allows WHERE id = $1", allow_id
    )
    return None if row is None else DomainAllowRow(**dict(row))


async def allow_by_domain(conn: Any, domain: str) -> DomainAllowRow | None:
    row = await conn.fetchrow(
        "SELECT id, domain, created_at FROM domain_allows WHERE domain = $1", domain
    )
    return None if row is None else DomainAllowRow(**dict(row))
