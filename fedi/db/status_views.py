"""Batched reads for rendering a page of statuses: one query per kind of fact, never per post."""

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from fedi.db.actors import Actor


@dataclass(frozen=True)
class Boost:
    id: int
    uri: str
    actor_id: int
    post_id: int
    visibility: str
    created_at: datetime


@dataclass(frozen=True)
class ActorStats:
    statuses_count: int = 0
    followers_count: int = 0
    following_count: int = 0
    last_status_at: datetime | None = None


@dataclass(frozen=True)
class PostCounts:
    replies: int = 0
    reblogs: int = 0
    favourites: int = 0


@dataclass(frozen=True)
class ViewerFlags:
    """What the viewing account has done to each post (sets of post ids)."""

    favourited: frozenset[int] = frozenset()
    reblogged: frozenset[int] = frozenset()
    bookmarked: frozenset[int] = frozenset()


@dataclass(frozen=True)
class MediaRow:
    id: int
    actor_id: int
    post_id: int | None
    media_type: str
    file_name: str | None
    thumbnail_name: str | None
    content_type: str | None
    remote_url: str | None
    width: int | None
    height: int | None
    blurhash: str | None
    description: str
    focus_x: float
    focus_y: float
    position: int


MEDIA_COLUMNS = (
    "id, actor_id, post_id, media_type, file_name, thumbnail_name, content_type, remote_url,"
    " width, height, blurhash, description, focus_x, focus_y, position"
)


async def boosts_by_ids(conn: Any, ids: list[int]) -> dict[int, Boost]:
    rows = await conn.fetch(
        "SELECT id, uri, actor_id, post_id, visibility, created_at FROM boosts WHERE id = ANY($1)",
        ids,
    )
    return {row["id"]: Boost(**dict(row)) for row in rows}


async def actor_stats(conn: Any, actor_ids: list[int]) -> dict[int, ActorStats]:
    rows = await conn.fetch(
        "SELECT actor_id, statuses_count, followers_count, following_count, last_status_at"
        " FROM actor_stats WHERE actor_id = ANY($1)",
        actor_ids,
    )
    return {
        row["actor_id"]: ActorStats(
            row["statuses_count"],
            row["followers_count"],
            row["following_count"],
            row["last_status_at"],
        )
        for row in rows
    }


async def post_counts(conn: Any, post_ids: list[int]) -> dict[int, PostCounts]:
    rows = await conn.fetch(
        "SELECT p.id,"
        " (SELECT count(*) FROM posts r WHERE r.in_reply_to_id = p.id) AS replies,"
        " (SELECT count(*) FROM boosts b WHERE b.post_id = p.id) AS reblogs,"
        " (SELECT count(*) FROM likes l WHERE l.post_id = p.id) AS favourites"
        " FROM posts p WHERE p.id = ANY($1)",
        post_ids,
    )
    return {
        row["id"]: PostCounts(row["replies"], row["reblogs"], row["favourites"]) for row in rows
    }


async def viewer_flags(conn: Any, viewer_id: int, post_ids: list[int]) -> ViewerFlags:
    rows = await conn.fetch(
        "SELECT 'f' AS kind, post_id FROM likes WHERE actor_id = $1 AND post_id = ANY($2)"
        " UNION ALL SELECT 'r', post_id FROM boosts WHERE actor_id = $1 AND post_id = ANY($2)"
        " UNION ALL SELECT 'b', post_id FROM bookmarks WHERE actor_id = $1 AND post_id = ANY($2)",
        viewer_id,
        post_ids,
    )
    found: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        found[row["kind"]].add(row["post_id"])
    return ViewerFlags(frozenset(found["f"]), frozenset(found["r"]), frozenset(found["b"]))


async def mentions_of(conn: Any, post_ids: list[int]) -> dict[int, list[int]]:
    rows = await conn.fetch(
        "SELECT post_id, actor_id FROM mentions WHERE post_id = ANY($1) ORDER BY actor_id",
        post_ids,
    )
    found: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        found[row["post_id"]].append(row["actor_id"])
    return found


async def tags_of(conn: Any, post_ids: list[int]) -> dict[int, list[str]]:
    rows = await conn.fetch(
        "SELECT post_id, tag FROM post_tags WHERE post_id = ANY($1) ORDER BY tag", post_ids
    )
    found: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        found[row["post_id"]].append(row["tag"])
    return found


async def media_of(conn: Any, post_ids: list[int]) -> dict[int, list[MediaRow]]:
    rows = await conn.fetch(
        f"SELECT {MEDIA_COLUMNS} FROM media_attachments WHERE post_id = ANY($1)"
        " ORDER BY post_id, position, id",
        post_ids,
    )
    found: dict[int, list[MediaRow]] = defaultdict(list)
    for row in rows:
        found[row["post_id"]].append(MediaRow(**dict(row)))
    return found


async def app_names(conn: Any, post_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    rows = await conn.fetch(
        "SELECT p.id, a.name, a.website FROM posts p JOIN oauth_apps a ON a.id = p.app_id"
        " WHERE p.id = ANY($1)",
        post_ids,
    )
    return {row["id"]: (row["name"], row["website"]) for row in rows}


@dataclass(frozen=True)
class PostFacts:
    """Everything a status shows besides the post row itself, read for a page in one query."""

    mentions: list[int]
    tags: list[str]
    media: list[MediaRow]
    counts: PostCounts
    app: tuple[str, str | None] | None
    parent_author_id: int | None
    favourited: bool
    reblogged: bool
    bookmarked: bool


_MEDIA_JSON = ", ".join(f"'{name}', m.{name}" for name in MEDIA_COLUMNS.split(", "))


async def post_facts(conn: Any, post_ids: list[int], viewer_id: int | None) -> dict[int, PostFacts]:
    rows = await conn.fetch(
        "SELECT p.id,"
        " (SELECT array_agg(actor_id ORDER BY actor_id) FROM mentions WHERE post_id = p.id)"
        "   AS mentions,"
        " (SELECT array_agg(tag ORDER BY tag) FROM post_tags WHERE post_id = p.id) AS tags,"
        f" (SELECT json_agg(json_build_object({_MEDIA_JSON}) ORDER BY m.position, m.id)"
        "   FROM media_attachments m WHERE m.post_id = p.id) AS media,"
        " (SELECT count(*) FROM posts r WHERE r.in_reply_to_id = p.id) AS replies,"
        " (SELECT count(*) FROM boosts b WHERE b.post_id = p.id) AS reblogs,"
        " (SELECT count(*) FROM likes l WHERE l.post_id = p.id) AS favourites,"
        " app.name AS app_name, app.website AS app_website, parent.actor_id AS parent_author,"
        " EXISTS (SELECT 1 FROM likes WHERE post_id = p.id AND actor_id = $2) AS favourited,"
        " EXISTS (SELECT 1 FROM boosts WHERE post_id = p.id AND actor_id = $2) AS reblogged,"
        " EXISTS (SELECT 1 FROM bookmarks WHERE post_id = p.id AND actor_id = $2) AS bookmarked"
        " FROM posts p"
        " LEFT JOIN oauth_apps app ON app.id = p.app_id"
        " LEFT JOIN posts parent ON parent.id = p.in_reply_to_id"
        " WHERE p.id = ANY($1)",
        post_ids,
        viewer_id,
    )
    return {
        row["id"]: PostFacts(
            mentions=list(row["mentions"] or []),
            tags=list(row["tags"] or []),
            media=[MediaRow(**item) for item in row["media"] or []],
            counts=PostCounts(row["replies"], row["reblogs"], row["favourites"]),
            app=(row["app_name"], row["app_website"]) if row["app_name"] is not None else None,
            parent_author_id=row["parent_author"],
            favourited=row["favourited"],
            reblogged=row["reblogged"],
            bookmarked=row["bookmarked"],
        )
        for row in rows
    }


_ACTOR_COLUMNS = ", ".join(f"a.{f.name}" for f in fields(Actor))


async def actors_with_stats(conn: Any, actor_ids: list[int]) -> list[tuple[Actor, ActorStats]]:
    """Actors and the counters their Account entities show, in one round trip."""
    rows = await conn.fetch(
        f"SELECT {_ACTOR_COLUMNS}, s.statuses_count AS s_statuses,"
        " s.followers_count AS s_followers, s.following_count AS s_following,"
        " s.last_status_at AS s_last_status"
        " FROM actors a LEFT JOIN actor_stats s ON s.actor_id = a.id WHERE a.id = ANY($1)",
        actor_ids,
    )
    out = []
    for row in rows:
        values = dict(row)
        stats = ActorStats(
            values.pop("s_statuses") or 0,
            values.pop("s_followers") or 0,
            values.pop("s_following") or 0,
            values.pop("s_last_status"),
        )
        out.append((Actor(**values), stats))
    return out
