"""Queries on the domain policy tables and the rows a block on a domain reaches."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CHANNEL = "fedi_domain_policy"


def not_silenced(post: str, viewer: str) -> str:
    """SQL leaving out posts by accounts of silenced servers, but for a viewer who follows the
    author. With no silenced server at all, one look at domain_blocks per query (an init plan)
    settles it."""
    return (
        f"({post}.local"
        " OR NOT EXISTS (SELECT 1 FROM domain_blocks WHERE severity = 'silence')"
        f" OR domain_severity((SELECT sa.domain FROM actors sa WHERE sa.id = {post}.actor_id))"
        " IS DISTINCT FROM 'silence'"
        f" OR EXISTS (SELECT 1 FROM follows sf WHERE sf.follower_id = {viewer}::bigint"
        f" AND sf.followee_id = {post}.actor_id AND sf.accepted))"
    )


def limited_findable(actor: str, followed: str) -> str:
    """SQL: the account (alias `actor`) is not on a silenced or suspended server, or the searcher
    follows it (`followed`, a LEFT JOINed accepted follow)."""
    return (
        f"({actor}.local OR {followed}.id IS NOT NULL"
        " OR NOT EXISTS (SELECT 1 FROM domain_blocks WHERE severity IN ('silence', 'suspend'))"
        f" OR coalesce(domain_severity({actor}.domain), 'noop') NOT IN ('silence', 'suspend'))"
    )


@dataclass(frozen=True)
class DomainBlock:
    id: int
    domain: str
    severity: str
    reject_media: bool
    reject_reports: bool
    private_comment: str
    public_comment: str
    obfuscate: bool
    created_at: datetime


_BLOCK_COLUMNS = (
    "id, domain, severity, reject_media, reject_reports, private_comment, public_comment,"
    " obfuscate, created_at"
)


def _block(row: Any) -> DomainBlock | None:
    return None if row is None else DomainBlock(**dict(row))


async def upsert_block(
    conn: Any,
    domain: str,
    *,
    severity: str,
    reject_media: bool,
    reject_reports: bool,
    private_comment: str,
    public_comment: str,
    obfuscate: bool,
) -> DomainBlock:
    row = await conn.fetchrow(
        "INSERT INTO domain_blocks (domain, severity, reject_media, reject_reports,"
        " private_comment, public_comment, obfuscate) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (domain) DO UPDATE SET severity = EXCLUDED.severity,"
        " reject_media = EXCLUDED.reject_media, reject_reports = EXCLUDED.reject_reports,"
        " private_comment = EXCLUDED.private_comment, public_comment = EXCLUDED.public_comment,"
        " obfuscate = EXCLUDED.obfuscate, updated_at = now()"
        f" RETURNING {_BLOCK_COLUMNS}",
        domain,
        severity,
        reject_media,
        reject_reports,
        private_comment,
        public_comment,
        obfuscate,
    )
    block = _block(row)
    assert block is not None
    return block


async def block_by_domain(conn: Any, domain: str) -> DomainBlock | None:
    return _block(
        await conn.fetchrow(f"SELECT {_BLOCK_COLUMNS} FROM domain_blocks WHERE domain = $1", domain)
    )


async def delete_block(conn: Any, domain: str) -> DomainBlock | None:
    return _block(
        await conn.fetchrow(
            f"DELETE FROM domain_blocks WHERE domain = $1 RETURNING {_BLOCK_COLUMNS}", domain
        )
    )


async def all_blocks(conn: Any) -> list[DomainBlock]:
    rows = await conn.fetch(f"SELECT {_BLOCK_COLUMNS} FROM domain_blocks ORDER BY domain")
    return [DomainBlock(**dict(row)) for row in rows]


async def blocks_under(conn: Any, keys: Sequence[str]) -> list[DomainBlock]:
    """The blocks stored under any of `keys`, in no particular order."""
    rows = await conn.fetch(
        f"SELECT {_BLOCK_COLUMNS} FROM domain_blocks WHERE domain = ANY($1::text[])", list(keys)
    )
    return [DomainBlock(**dict(row)) for row in rows]


async def insert_allow(conn: Any, domain: str) -> bool:
    """True when the domain was not listed before."""
    inserted = await conn.fetchval(
        "INSERT INTO domain_allows (domain) VALUES ($1) ON CONFLICT (domain) DO NOTHING"
        " RETURNING id",
        domain,
    )
    return inserted is not None


async def delete_allow(conn: Any, domain: str) -> bool:
    deleted = await conn.fetchval(
        "DELETE FROM domain_allows WHERE domain = $1 RETURNING id", domain
    )
    return deleted is not None


async def all_allows(conn: Any) -> list[str]:
    return [
        row["domain"]
        for row in await conn.fetch("SELECT domain FROM domain_allows ORDER BY domain")
    ]


async def allows_under(conn: Any, keys: Sequence[str]) -> list[str]:
    rows = await conn.fetch(
        "SELECT domain FROM domain_allows WHERE domain = ANY($1::text[])", list(keys)
    )
    return [row["domain"] for row in rows]


async def mode(conn: Any) -> str:
    value = await conn.fetchval("SELECT mode FROM federation_mode")
    return "open" if value is None else str(value)


async def set_mode(conn: Any, value: str) -> None:
    await conn.execute(
        "INSERT INTO federation_mode (singleton, mode) VALUES (true, $1)"
        " ON CONFLICT (singleton) DO UPDATE SET mode = EXCLUDED.mode, updated_at = now()",
        value,
    )


async def local_domains(conn: Any) -> list[str]:
    """The hosts this node's own actors live on (one, in practice)."""
    rows = await conn.fetch("SELECT DISTINCT domain FROM actors WHERE local")
    return [row["domain"] for row in rows]


async def local_among(conn: Any, hosts: Sequence[str]) -> list[str]:
    """Which of `hosts` this node's own actors live on."""
    rows = await conn.fetch(
        "SELECT DISTINCT domain FROM actors WHERE local AND domain = ANY($1::text[])", list(hosts)
    )
    return [row["domain"] for row in rows]


def _under(column: str, key: str, first: int) -> tuple[str, list[str]]:
    """SQL matching the hosts in `column` that a rule stored under `key` may cover: the key's
    host, its subdomains, and, for a key without a port, both on any port. A cheap filter; the
    caller decides by the exact keys."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    patterns = [escaped, f"%.{escaped}"]
    if ":" not in key.rsplit("]", 1)[-1]:
        patterns += [f"{escaped}:%", f"%.{escaped}:%"]
    sql = " OR ".join(f"{column} LIKE ${first + i}" for i in range(len(patterns)))
    return f"({sql})", patterns


async def remote_domains_under(conn: Any, key: str) -> list[str]:
    """The domains of remote actors that a rule stored under `key` may cover."""
    condition, args = _under("domain", key, 1)
    rows = await conn.fetch(
        f"SELECT DISTINCT domain FROM actors WHERE NOT local AND {condition}", *args
    )
    return [row["domain"] for row in rows]


async def pending_delivery_domains(conn: Any, key: str | None = None) -> list[str]:
    """The domains queued deliveries go to (those a rule under `key` may cover, given one)."""
    condition, args = ("true", []) if key is None else _under("domain", key, 1)
    rows = await conn.fetch(
        f"SELECT DISTINCT domain FROM deliveries WHERE state = 'pending' AND {condition}", *args
    )
    return [row["domain"] for row in rows]


async def purge_actors(conn: Any, domains: Sequence[str]) -> int:
    """Delete every remote actor on these exact domains; returns how many went.

    The foreign keys' cascades take their posts, boosts, likes, media rows, follows in both
    directions, mentions, notifications, blocks and mutes with them. Activities they sent and
    that still wait in the inbox are refused first: their signer is about to be gone.
    """
    if not domains:
        return 0
    await conn.execute(
        "UPDATE inbox_items SET state = 'refused', finished_at = now(), lease_until = NULL,"
        " last_error = 'the sender''s domain is suspended'"
        " WHERE state IN ('pending', 'parked') AND signer_id IN"
        " (SELECT id FROM actors WHERE NOT local AND domain = ANY($1::text[]))",
        list(domains),
    )
    status = await conn.execute(
        "DELETE FROM actors WHERE NOT local AND domain = ANY($1::text[])", list(domains)
    )
    return int(status.rsplit(" ", 1)[-1])


async def forget_media(conn: Any, domains: Sequence[str]) -> None:
    """Drop the media of the actors on these domains: attachments, avatars and headers."""
    if not domains:
        return
    await conn.execute(
        "DELETE FROM media_attachments WHERE actor_id IN"
        " (SELECT id FROM actors WHERE NOT local AND domain = ANY($1::text[]))",
        list(domains),
    )
    await conn.execute(
        "UPDATE actors SET icon_url = NULL, header_url = NULL"
        " WHERE NOT local AND domain = ANY($1::text[])"
        " AND (icon_url IS NOT NULL OR header_url IS NOT NULL)",
        list(domains),
    )


async def fail_pending_deliveries(conn: Any, domains: Sequence[str], reason: str) -> int:
    """Give up on every queued delivery to these exact domains; returns how many."""
    if not domains:
        return 0
    status = await conn.execute(
        "UPDATE deliveries SET state = 'failed', finished_at = now(), lease_until = NULL,"
        " last_error = $2 WHERE state = 'pending' AND domain = ANY($1::text[])",
        list(domains),
        reason,
    )
    return int(status.rsplit(" ", 1)[-1])
