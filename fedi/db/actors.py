"""Queries on the actors table: local accounts, groups, the instance actor and cached remotes."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True)
class Actor:
    id: int
    uri: str
    local: bool
    actor_type: str
    username: str
    domain: str
    display_name: str
    summary: str
    icon_url: str | None
    url: str | None
    inbox_url: str
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    shared_inbox_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    key_id: str
    public_key_pem: str
    private_key_pem: str | None
    fetched_at: datetime | None
    key_refetched_at: datetime | None
    created_at: datetime
    hide_collections: bool
    header_url: str | None = None
    # Profile metadata as shown: [{"name": ..., "value": ...}], values sanitised HTML.
    fields: list[dict[str, str]] = field(default_factory=list)
    bot: bool = False
    # An at-risk member: left out of every collection served to other nodes and of search.
    shielded: bool = False

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}"


_NAMES = tuple(f.name for f in fields(Actor))
_COLUMNS = ", ".join(_NAMES)
# Columns a caller supplies when creating or refreshing a row.
_WRITABLE = tuple(
    f.name
    for f in fields(Actor)
    if f.name
    not in (
        "id",
        "created_at",
        "fetched_at",
        "key_refetched_at",
        "local",
        "hide_collections",
        "shielded",
    )
)


def prefixed_columns(alias: str, prefix: str) -> str:
    """The actor columns of table `alias` named `{prefix}{column}`, for a query that joins an
    actor to rows of another table; `pop_prefixed` takes them back out."""
    return ", ".join(f"{alias}.{name} AS {prefix}{name}" for name in _NAMES)


def pop_prefixed(values: dict[str, Any], prefix: str) -> Actor:
    """The actor whose columns `prefixed_columns` put in `values`, removing them from it."""
    return Actor(**{name: values.pop(f"{prefix}{name}") for name in _NAMES})


def _actor(row: Any) -> Actor | None:
    return None if row is None else Actor(**dict(row))


async def insert_local(conn: Any, **values: Any) -> Actor:
    columns = [name for name in _WRITABLE if name in values]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO actors (local, {', '.join(columns)}) VALUES (true, {placeholders})"
        f" RETURNING {_COLUMNS}",
        *(values[name] for name in columns),
    )
    actor = _actor(row)
    assert actor is not None
    return actor


async def upsert_remote(conn: Any, **values: Any) -> Actor:
    """Store a remote actor as last fetched; never overwrites a local row."""
    columns = [name for name in _WRITABLE if name in values and name != "private_key_pem"]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != "uri")
    query = (
        f"INSERT INTO actors (local, fetched_at, {', '.join(columns)})"
        f" VALUES (false, now(), {placeholders})"
        f" ON CONFLICT (uri) DO UPDATE SET fetched_at = now(), {updates}"
        f" WHERE NOT actors.local RETURNING {_COLUMNS}"
    )
    arguments = [values[name] for name in columns]
    try:
        async with conn.transaction():
            row = await conn.fetchrow(query, *arguments)
    except asyncpg.UniqueViolationError:
        # Two fetches of the same actor at once: ON CONFLICT arbitrates on the URI only, so
        # the other insert's key_id can collide first. Its row is there now; this updates it.
        row = await conn.fetchrow(query, *arguments)
    actor = _actor(row)
    if actor is None:
        raise ValueError(f"{values['uri']} is a local actor and cannot be overwritten")
    return actor


async def by_uri(conn: Any, uri: str) -> Actor | None:
    return _actor(await conn.fetchrow(f"SELECT {_COLUMNS} FROM actors WHERE uri = $1", uri))


async def by_id(conn: Any, actor_id: int) -> Actor | None:
    return _actor(await conn.fetchrow(f"SELECT {_COLUMNS} FROM actors WHERE id = $1", actor_id))


async def by_ids(conn: Any, actor_ids: list[int]) -> list[Actor]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM actors WHERE id = ANY($1)", actor_ids)
    return [Actor(**dict(row)) for row in rows]


async def by_key_id(conn: Any, key_id: str) -> Actor | None:
    return _actor(await conn.fetchrow(f"SELECT {_COLUMNS} FROM actors WHERE key_id = $1", key_id))


async def by_handle(conn: Any, username: str, domain: str) -> Actor | None:
    return _actor(
        await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM actors WHERE lower(username) = lower($1) AND domain = $2",
            username,
            domain,
        )
    )


async def local_by_username(
    conn: Any, username: str, actor_type: str | None = None
) -> Actor | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM actors WHERE local AND lower(username) = lower($1)"
        " AND ($2::text IS NULL OR actor_type = $2)",
        username,
        actor_type,
    )
    return _actor(row)


async def mark_key_refetched(conn: Any, actor_id: int) -> None:
    await conn.execute("UPDATE actors SET key_refetched_at = now() WHERE id = $1", actor_id)


async def claim_key_refetch(conn: Any, actor_id: int, min_interval_seconds: int) -> bool:
    """Take the right to refetch a remote actor's key, at most once per interval (race-free)."""
    claimed = await conn.fetchval(
        "UPDATE actors SET key_refetched_at = now() WHERE id = $1 AND NOT local"
        " AND (key_refetched_at IS NULL"
        "      OR key_refetched_at < now() - make_interval(secs => $2))"
        " RETURNING id",
        actor_id,
        float(min_interval_seconds),
    )
    return claimed is not None


# What a local account may change about itself through its profile settings.
PROFILE_COLUMNS = frozenset(
    {
        "display_name",
        "summary",
        "icon_url",
        "header_url",
        "manually_approves_followers",
        "discoverable",
        "hide_collections",
        "fields",
        "bot",
        "shielded",
    }
)


async def update_local_profile(conn: Any, actor_id: int, **values: Any) -> Actor:
    """Change profile columns of a local actor; only names in PROFILE_COLUMNS are accepted."""
    unknown = values.keys() - PROFILE_COLUMNS
    if unknown:
        raise ValueError(f"not profile columns: {', '.join(sorted(unknown))}")
    columns = list(values)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    row = await conn.fetchrow(
        f"UPDATE actors SET {assignments or 'id = id'} WHERE id = $1 AND local"
        f" RETURNING {_COLUMNS}",
        actor_id,
        *(values[name] for name in columns),
    )
    actor = _actor(row)
    if actor is None:
        raise ValueError(f"actor {actor_id} is not a local actor")
    return actor
