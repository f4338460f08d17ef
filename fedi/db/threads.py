"""Reply chains around a post: the posts it answers and the replies below it."""

from typing import Any


async def ancestors(conn: Any, post_id: int, limit: int) -> list[int]:
    """Ids of the posts this one replies to, up the chain, oldest first (at most `limit`)."""
    rows = await conn.fetch(
        "WITH RECURSIVE chain (id, parent, path) AS ("
        "  SELECT p.id, p.in_reply_to_id, ARRAY[p.id] FROM posts p WHERE p.id = $1"
        "  UNION ALL"
        "  SELECT p.id, p.in_reply_to_id, c.path || p.id FROM posts p"
        "  JOIN chain c ON p.id = c.parent"
        "  WHERE cardinality(c.path) <= $2 AND NOT p.id = ANY(c.path)"
        ") SELECT id FROM chain WHERE id <> $1 ORDER BY cardinality(path) DESC",
        post_id,
        limit,
    )
    return [row["id"] for row in rows]


async def descendants(conn: Any, post_id: int, limit: int, max_depth: int) -> list[int]:
    """Ids of the replies below this post in thread order: each reply followed by its own
    replies, siblings oldest first; at most `max_depth` levels and `limit` posts."""
    rows = await conn.fetch(
        "WITH RECURSIVE tree (id, path) AS ("
        "  SELECT p.id, ARRAY[p.id] FROM posts p WHERE p.in_reply_to_id = $1"
        "  UNION ALL"
        "  SELECT p.id, t.path || p.id FROM posts p JOIN tree t ON p.in_reply_to_id = t.id"
        # The path check stops a cycle that remote data could contain.
        "  WHERE cardinality(t.path) < $2 AND NOT p.id = ANY(t.path)"
        ") SELECT id FROM tree ORDER BY path LIMIT $3",
        post_id,
        max_depth,
        limit,
    )
    return [row["id"] for row in rows]
