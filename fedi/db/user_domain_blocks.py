"""Queries on a member's own domain blocks: a whole remote domain hidden from one member."""

from dataclasses import dataclass
from typing import Any

from fedi.db.follows import Follow
from fedi.db.paging import IdWindow


def blocked_accounts_sql(viewer: str) -> str:
    """SQL selecting the ids of every account on a domain the viewer has blocked."""
    return (
        "SELECT a.id FROM user_domain_blocks d JOIN actors a ON a.domain = d.domain"
        f" WHERE d.actor_id = {viewer} AND NOT a.local"
    )


@dataclass(frozen=True)
class DomainBlockRow:
    id: int
    domain: str


async def add(conn: Any, actor_id: int, domain: str) -> bool:
    """Record the block; False when the member had already blocked that domain."""
    value = await conn.fetchval(
        "INSERT INTO user_domain_blocks (actor_id, domain) VALUES ($1, $2)"
        " ON CONFLICT (actor_id, domain) DO NOTHING RETURNING id",
        actor_id,
        domain,
    )
    return value is not None


async def remove(conn: Any, actor_id: int, domain: str) -> bool:
    status: str = await conn.execute(
        "DELETE FROM user_domain_blocks WHERE actor_id = $1 AND domain = $2", actor_id, domain
    )
    return status != "DELETE 0"


async def page(conn: Any, actor_id: int, window: IdWindow) -> list[DomainBlockRow]:
    """The member's blocks, newest first."""
    bounds, args = window.where("id", 3)
    rows = await conn.fetch(
        f"SELECT id, domain FROM user_domain_blocks WHERE actor_id = $1 AND {bounds}"
        f" ORDER BY {window.order('id')} LIMIT $2",
        actor_id,
        window.limit,
        *args,
    )
    return window.arrange([DomainBlockRow(row["id"], row["domain"]) for row in rows])


async def blocks_domain(conn: Any, actor_id: int, domain: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM user_domain_blocks WHERE actor_id = $1 AND domain = $2",
            actor_id,
            domain,
        )
    )


async def blocked_among(conn: Any, viewer_id: int, target_ids: list[int]) -> set[int]:
    """Those of the targets whose domain the viewer has blocked."""
    rows = await conn.fetch(
        "SELECT a.id FROM actors a JOIN user_domain_blocks d ON d.domain = a.domain"
        " WHERE d.actor_id = $1 AND a.id = ANY($2) AND NOT a.local",
        viewer_id,
        target_ids,
    )
    return {row["id"] for row in rows}


async def follows_with_domain(conn: Any, actor_id: int, domain: str) -> list[Follow]:
    """The member's follows of that domain's accounts and theirs of the member, pending too."""
    rows = await conn.fetch(
        "SELECT f.id, f.uri, f.follower_id, f.followee_id, f.accepted, f.created_at"
        " FROM follows f JOIN actors a"
        "   ON a.id = CASE WHEN f.follower_id = $1 THEN f.followee_id ELSE f.follower_id END"
        " WHERE (f.follower_id = $1 OR f.followee_id = $1) AND a.domain = $2 AND NOT a.local"
        " ORDER BY f.id",
        actor_id,
        domain,
    )
    return [Follow(**dict(row)) for row in rows]


async def remove_follows(conn: Any, follow_ids: list[int]) -> None:
    await conn.execute("DELETE FROM follows WHERE id = ANY($1)", follow_ids)
