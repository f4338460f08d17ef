"""Queries behind the collections served to other nodes: shielded accounts and groups that are
not public are left out of every list and every count."""

from typing import Any

from fedi.db.posts import COLUMNS as POST_COLUMNS
from fedi.db.posts import Post

# An actor another node may see listed: not shielded, and not a local group that only its
# members (or nobody else at all) may know of.
_LISTABLE = (
    "NOT a.shielded AND NOT EXISTS"
    " (SELECT 1 FROM groups g WHERE g.actor_id = a.id AND g.visibility <> 'public')"
)


async def count_followers(conn: Any, actor_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id"
            f" WHERE f.followee_id = $1 AND f.accepted AND {_LISTABLE}",
            actor_id,
        )
    )


async def count_following(conn: Any, actor_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN actors a ON a.id = f.followee_id"
            f" WHERE f.follower_id = $1 AND f.accepted AND {_LISTABLE}",
            actor_id,
        )
    )


async def followers_page(
    conn: Any, actor_id: int, *, max_id: int | None, limit: int
) -> list[tuple[int, str]]:
    """(follow id, follower URI), newest first."""
    rows = await conn.fetch(
        "SELECT f.id, a.uri FROM follows f JOIN actors a ON a.id = f.follower_id"
        f" WHERE f.followee_id = $1 AND f.accepted AND {_LISTABLE}"
        " AND ($2::bigint IS NULL OR f.id < $2) ORDER BY f.id DESC LIMIT $3",
        actor_id,
        max_id,
        limit,
    )
    return [(row["id"], row["uri"]) for row in rows]


async def following_page(
    conn: Any, actor_id: int, *, max_id: int | None, limit: int
) -> list[tuple[int, str]]:
    """(follow id, followee URI), newest first."""
    rows = await conn.fetch(
        "SELECT f.id, a.uri FROM follows f JOIN actors a ON a.id = f.followee_id"
        f" WHERE f.follower_id = $1 AND f.accepted AND {_LISTABLE}"
        " AND ($2::bigint IS NULL OR f.id < $2) ORDER BY f.id DESC LIMIT $3",
        actor_id,
        max_id,
        limit,
    )
    return [(row["id"], row["uri"]) for row in rows]


# A group's followers: those who follow it and its approved members, whichever way they joined
# (a Follow, a Join, or here on this node).
_GROUP_FOLLOWER = (
    "(EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = a.id AND f.followee_id = $1"
    " AND f.accepted) OR EXISTS (SELECT 1 FROM group_members m WHERE m.member_id = a.id"
    " AND m.group_id = $1 AND m.state = 'member'))"
)


async def count_group_followers(conn: Any, group_id: int) -> int:
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM actors a WHERE {_GROUP_FOLLOWER} AND {_LISTABLE}", group_id
        )
    )


async def group_followers_page(
    conn: Any, group_id: int, *, max_id: int | None, limit: int
) -> list[tuple[int, str]]:
    """(actor id, actor URI), newest actor first."""
    rows = await conn.fetch(
        f"SELECT a.id, a.uri FROM actors a WHERE {_GROUP_FOLLOWER} AND {_LISTABLE}"
        " AND ($2::bigint IS NULL OR a.id < $2) ORDER BY a.id DESC LIMIT $3",
        group_id,
        max_id,
        limit,
    )
    return [(row["id"], row["uri"]) for row in rows]


async def group_moderators(conn: Any, group_id: int) -> list[str]:
    """URIs of the group's owners, admins and moderators, longest-serving first."""
    rows = await conn.fetch(
        "SELECT a.uri FROM group_members m JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = $1 AND m.state = 'member'"
        " AND m.role IN ('owner', 'admin', 'moderator') AND NOT a.shielded"
        " ORDER BY m.created_at, a.id",
        group_id,
    )
    return [row["uri"] for row in rows]


async def count_group_posts(
    conn: Any, group_id: int, visibilities: tuple[str, ...], *, space_id: int | None = None
) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM posts WHERE group_id = $1 AND visibility = ANY($2)"
            " AND ($3::bigint IS NULL OR space_id = $3)",
            group_id,
            list(visibilities),
            space_id,
        )
    )


async def group_posts_page(
    conn: Any,
    group_id: int,
    visibilities: tuple[str, ...],
    *,
    space_id: int | None = None,
    max_id: int | None,
    limit: int,
) -> list[Post]:
    """The group's posts (or one space's) in the given visibilities, newest first."""
    rows = await conn.fetch(
        f"SELECT {POST_COLUMNS} FROM posts WHERE group_id = $1 AND visibility = ANY($2)"
        " AND ($3::bigint IS NULL OR space_id = $3) AND ($4::bigint IS NULL OR id < $4)"
        " ORDER BY id DESC LIMIT $5",
        group_id,
        list(visibilities),
        space_id,
        max_id,
        limit,
    )
    return [Post(**dict(row)) for row in rows]
