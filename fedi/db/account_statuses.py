"""One account's posts and boosts, as a given viewer may see them, a page of ids at a time.

A group's (local or remote) are the posts in it (posts.group_id), whoever wrote them, and its
boosts of posts from elsewhere.
"""

from dataclasses import dataclass
from typing import Any

from fedi.db.actors import Actor
from fedi.db.paging import IdWindow
from fedi.db.post_visibility import visible_sql


@dataclass(frozen=True)
class StatusFilter:
    """Mastodon's filters on an account's statuses."""

    only_media: bool = False
    # Leaves out replies to others; a reply to oneself (a thread) stays, as in Mastodon.
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    tagged: str | None = None


async def status_ids(
    conn: Any,
    account_id: int,
    viewer: Actor | None,
    filters: StatusFilter,
    window: IdWindow,
    *,
    group: bool = False,
) -> list[int]:
    """Ids of the account's posts and boosts the viewer may see, newest first; with `group`,
    of the posts in the group the account is.

    Boosts share the posts' id sequence, so one window pages through both. An account that
    blocks the viewer shows it nothing.
    """
    args: list[Any] = [account_id, viewer.id if viewer else None, bool(viewer and viewer.local)]
    # A group's posts come from the index on (group_id, id DESC).
    owner = "p.group_id = $1" if group else "p.actor_id = $1"
    post_conditions = [owner, visible_sql("p", "$2", "$3")]
    if filters.only_media:
        post_conditions.append(
            "EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.post_id = p.id)"
        )
    if filters.exclude_replies:
        post_conditions.append(
            "(p.in_reply_to_uri IS NULL OR EXISTS (SELECT 1 FROM posts parent"
            " WHERE parent.id = p.in_reply_to_id AND parent.actor_id = p.actor_id))"
        )
    if filters.tagged is not None:
        args.append(filters.tagged.lower().lstrip("#"))
        post_conditions.append(
            f"EXISTS (SELECT 1 FROM post_tags pt WHERE pt.post_id = p.id AND pt.tag = ${len(args)})"
        )
    post_bounds, bound_args = window.where("p.id", len(args) + 1)
    boost_bounds, _ = window.where("b.id", len(args) + 1)
    args.extend(bound_args)
    limit = int(window.limit)
    branches = [
        f"(SELECT p.id FROM posts p WHERE {' AND '.join(post_conditions)} AND {post_bounds}"
        f" ORDER BY {window.order('p.id')} LIMIT {limit})"
    ]
    # Media and hashtags belong to the boosted post, not to the boost: Mastodon leaves boosts
    # out of those filters.
    if not (filters.exclude_reblogs or filters.only_media or filters.tagged is not None):
        # A group that relays its own posts by boosting them (Lemmy's Announce) shows each once.
        own_posts = " AND p.group_id IS DISTINCT FROM $1" if group else ""
        branches.append(
            "(SELECT b.id FROM boosts b JOIN posts p ON p.id = b.post_id"
            f" WHERE b.actor_id = $1{own_posts} AND {visible_sql('b', '$2', '$3')}"
            f" AND {visible_sql('p', '$2', '$3')} AND {boost_bounds}"
            f" ORDER BY {window.order('b.id')} LIMIT {limit})"
        )
    rows = await conn.fetch(
        f"SELECT s.id FROM ({' UNION ALL '.join(branches)}) s"
        " WHERE NOT EXISTS (SELECT 1 FROM blocks bl"
        "                   WHERE bl.blocker_id = $1 AND bl.blocked_id = $2::bigint)"
        f" ORDER BY {window.order('s.id')} LIMIT {limit}",
        *args,
    )
    return window.arrange([int(row["id"]) for row in rows])
