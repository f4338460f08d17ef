"""Queries on posts, their earlier versions, mentions, tags and tombstones."""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Post:
    id: int
    uri: str
    actor_id: int
    local: bool
    visibility: str
    content: str
    summary: str
    sensitive: bool
    language: str | None
    content_map: dict[str, str]
    source: str | None
    url: str | None
    in_reply_to_uri: str | None
    in_reply_to_id: int | None
    conversation: str | None
    published_at: datetime
    edited_at: datetime | None
    to_uris: list[str]
    cc_uris: list[str]
    created_at: datetime
    # A group post: its group (a local or remote Group actor) and, for local groups, its space.
    group_id: int | None = None
    space_id: int | None = None


@dataclass(frozen=True)
class PostVersion:
    content: str
    summary: str
    sensitive: bool
    language: str | None
    content_map: dict[str, str]
    written_at: datetime


COLUMNS = ", ".join(f.name for f in fields(Post))
_INSERTED = [f.name for f in fields(Post) if f.name not in ("created_at",)]
# Written with a new local post but not read back: only the client API's Status shows it.
_INSERTED.append("app_id")


def _post(row: Any) -> Post | None:
    return None if row is None else Post(**dict(row))


async def next_id(conn: Any) -> int:
    """Reserve an id first, so a local post's URI can contain it."""
    return int(await conn.fetchval("SELECT nextval('posts_id_seq')"))


async def insert(conn: Any, **values: Any) -> Post:
    columns = [name for name in _INSERTED if name in values]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO posts ({', '.join(columns)}) VALUES ({placeholders}) RETURNING {COLUMNS}",
        *(values[name] for name in columns),
    )
    post = _post(row)
    assert post is not None
    return post


async def insert_remote(conn: Any, **values: Any) -> Post | None:
    """Insert a post received from elsewhere; None when its URI is already stored."""
    columns = [name for name in _INSERTED if name in values and name != "id"]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO posts ({', '.join(columns)}) VALUES ({placeholders})"
        f" ON CONFLICT (uri) DO NOTHING RETURNING {COLUMNS}",
        *(values[name] for name in columns),
    )
    return _post(row)


async def by_id(conn: Any, post_id: int) -> Post | None:
    return _post(await conn.fetchrow(f"SELECT {COLUMNS} FROM posts WHERE id = $1", post_id))


async def by_ids(conn: Any, post_ids: list[int]) -> list[Post]:
    rows = await conn.fetch(f"SELECT {COLUMNS} FROM posts WHERE id = ANY($1)", post_ids)
    return [Post(**dict(row)) for row in rows]


async def by_uri(conn: Any, uri: str) -> Post | None:
    return _post(await conn.fetchrow(f"SELECT {COLUMNS} FROM posts WHERE uri = $1", uri))


async def replace_content(
    conn: Any,
    post: Post,
    *,
    content: str,
    summary: str,
    sensitive: bool,
    language: str | None,
    content_map: dict[str, str],
    source: str | None,
    edited_at: datetime | None = None,
) -> Post:
    """Keep the current version in post_versions, then write the new one."""
    await conn.execute(
        "INSERT INTO post_versions (post_id, content, summary, sensitive, language,"
        " content_map, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        post.id,
        post.content,
        post.summary,
        post.sensitive,
        post.language,
        post.content_map,
        post.edited_at or post.published_at,
    )
    row = await conn.fetchrow(
        "UPDATE posts SET content = $2, summary = $3, sensitive = $4, language = $5,"
        " content_map = $6, source = $7, edited_at = coalesce($8, now())"
        f" WHERE id = $1 RETURNING {COLUMNS}",
        post.id,
        content,
        summary,
        sensitive,
        language,
        content_map,
        source,
        edited_at,
    )
    updated = _post(row)
    assert updated is not None
    return updated


async def versions(conn: Any, post_id: int) -> list[PostVersion]:
    rows = await conn.fetch(
        "SELECT content, summary, sensitive, language, content_map, written_at"
        " FROM post_versions WHERE post_id = $1 ORDER BY id",
        post_id,
    )
    return [PostVersion(**dict(row)) for row in rows]


async def delete(conn: Any, post: Post, actor_uri: str) -> None:
    """Remove a post and keep a tombstone, so a replayed Create of it is refused."""
    await conn.execute(
        "INSERT INTO tombstones (uri, actor_uri) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING",
        post.uri,
        actor_uri,
    )
    await conn.execute("DELETE FROM posts WHERE id = $1", post.id)


async def is_tombstoned(conn: Any, uri: str, *, by: str | None = None) -> bool:
    """Whether `uri` was deleted; with `by`, only a deletion by that actor counts."""
    if by is None:
        return bool(await conn.fetchval("SELECT 1 FROM tombstones WHERE uri = $1", uri))
    return bool(
        await conn.fetchval("SELECT 1 FROM tombstones WHERE uri = $1 AND actor_uri = $2", uri, by)
    )


async def add_tombstone(conn: Any, uri: str, actor_uri: str) -> None:
    await conn.execute(
        "INSERT INTO tombstones (uri, actor_uri) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING",
        uri,
        actor_uri,
    )


async def set_mentions(conn: Any, post_id: int, actor_ids: list[int]) -> None:
    await conn.execute("DELETE FROM mentions WHERE post_id = $1", post_id)
    if actor_ids:
        await conn.executemany(
            "INSERT INTO mentions (post_id, actor_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [(post_id, actor_id) for actor_id in dict.fromkeys(actor_ids)],
        )


async def mentioned_actor_ids(conn: Any, post_id: int) -> list[int]:
    rows = await conn.fetch("SELECT actor_id FROM mentions WHERE post_id = $1", post_id)
    return [row["actor_id"] for row in rows]


async def set_tags(conn: Any, post_id: int, tags: list[str]) -> None:
    await conn.execute("DELETE FROM post_tags WHERE post_id = $1", post_id)
    if tags:
        await conn.executemany(
            "INSERT INTO post_tags (post_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [(post_id, tag.lower()) for tag in dict.fromkeys(tags)],
        )


async def tags_of(conn: Any, post_id: int) -> list[str]:
    rows = await conn.fetch("SELECT tag FROM post_tags WHERE post_id = $1 ORDER BY tag", post_id)
    return [row["tag"] for row in rows]


async def count_local(conn: Any) -> int:
    """Local posts as NodeInfo and the instance API count them: a confidential group's posts
    are not counted, so not even its activity shows outside."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM posts WHERE local AND visibility <> 'confidential'"
        )
    )


async def count_public_by_actor(conn: Any, actor_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM posts"
            " WHERE actor_id = $1 AND visibility IN ('public', 'unlisted')",
            actor_id,
        )
    )


async def public_by_actor_page(
    conn: Any, actor_id: int, *, max_id: int | None, limit: int
) -> list[Post]:
    """The actor's public and unlisted posts, newest first, below max_id."""
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM posts WHERE actor_id = $1"
        " AND visibility IN ('public', 'unlisted') AND ($2::bigint IS NULL OR id < $2)"
        " ORDER BY id DESC LIMIT $3",
        actor_id,
        max_id,
        limit,
    )
    return [Post(**dict(row)) for row in rows]


async def delete_by_actor(conn: Any, actor_id: int) -> int:
    """Remove every post of an actor (its account was deleted), keeping tombstones."""
    result = await conn.fetch(
        "WITH gone AS (DELETE FROM posts WHERE actor_id = $1 RETURNING uri)"
        " INSERT INTO tombstones (uri, actor_uri)"
        " SELECT gone.uri, a.uri FROM gone, actors a WHERE a.id = $1"
        " ON CONFLICT (uri) DO NOTHING RETURNING uri",
        actor_id,
    )
    return len(result)
