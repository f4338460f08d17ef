"""Local groups and their remote members for tests, and what a node queued for other nodes."""

from typing import Any

from fedi.app import Node
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Membership, Space
from fedi.domain import groups
from fedi.domain.groups import NewGroup


async def make_group(
    node: Node,
    owner: Actor,
    name: str = "rights",
    *,
    visibility: str = "public",
    join_policy: str = "open",
) -> tuple[Group, Space]:
    async with node.pool.acquire() as conn, conn.transaction():
        return await groups.create_group(
            conn,
            node.urls,
            node.settings.domain,
            owner,
            NewGroup(name, visibility=visibility, join_policy=join_policy),
        )


async def put_member(
    node: Node,
    group: Group,
    actor: Actor,
    *,
    state: str = "member",
    role: str = "member",
    request_type: str | None = "Follow",
) -> Membership:
    """A row as if the actor had asked (by `request_type`, its request's id kept) and been let
    in, or were in `state`."""
    request_uri = f"{actor.uri}#joins/{group.id}" if request_type and not actor.local else None
    async with node.pool.acquire() as conn:
        return await groups_db.put_membership(
            conn,
            group.id,
            actor.id,
            state=state,
            role=role,
            request_uri=request_uri,
            request_type=request_type if request_uri else None,
        )


async def membership(node: Node, group: Group, actor: Actor) -> Membership | None:
    async with node.pool.acquire() as conn:
        return await groups_db.membership(conn, group.id, actor.id)


async def sent(node: Node) -> list[tuple[str, str, str]]:
    """(actor, activity type, inbox) of every queued delivery, in order."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.document->>'actor' AS actor, a.activity_type, d.inbox_url FROM activities a"
            " JOIN deliveries d ON d.activity_id = a.id ORDER BY d.id"
        )
    return [(r["actor"], r["activity_type"], r["inbox_url"]) for r in rows]


async def documents(node: Node, activity_type: str) -> list[dict[str, Any]]:
    """Every activity of this type the node recorded, delivered or not, oldest first."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT document FROM activities WHERE activity_type = $1 ORDER BY id", activity_type
        )
    return [dict(row["document"]) for row in rows]


async def everything_sent(node: Node) -> str:
    """Every recorded activity as text, to look for what must never appear."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch("SELECT document::text AS text FROM activities")
    return "\n".join(row["text"] for row in rows)
