"""Queries on what this node knows of remote groups beyond their actor row."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RemoteGroupFacts:
    """What a remote group's actor document says about membership and posting."""

    visibility: str = "public"
    members_url: str | None = None
    join_type: str = "Follow"


@dataclass(frozen=True)
class RemoteGroupRow:
    actor_id: int
    visibility: str
    members_url: str | None
    join_type: str
    updated_at: datetime

    @property
    def facts(self) -> RemoteGroupFacts:
        return RemoteGroupFacts(self.visibility, self.members_url, self.join_type)


_COLUMNS = "actor_id, visibility, members_url, join_type, updated_at"


async def put(conn: Any, actor_id: int, facts: RemoteGroupFacts) -> RemoteGroupRow:
    row = await conn.fetchrow(
        "INSERT INTO remote_groups (actor_id, visibility, members_url, join_type)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (actor_id) DO UPDATE"
        " SET visibility = EXCLUDED.visibility, members_url = EXCLUDED.members_url,"
        f" join_type = EXCLUDED.join_type, updated_at = now() RETURNING {_COLUMNS}",
        actor_id,
        facts.visibility,
        facts.members_url,
        facts.join_type,
    )
    return RemoteGroupRow(**dict(row))


async def get(conn: Any, actor_id: int) -> RemoteGroupRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM remote_groups WHERE actor_id = $1", actor_id)
    return None if row is None else RemoteGroupRow(**dict(row))


async def set_post_group(conn: Any, post_id: int, group_id: int) -> None:
    """File a post already kept here under the remote group that relayed it."""
    await conn.execute(
        "UPDATE posts SET group_id = $2 WHERE id = $1 AND group_id IS NULL", post_id, group_id
    )
