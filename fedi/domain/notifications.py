"""Who is told what: the rules for recording a notification, wherever the event happened.

Called inside the transaction that makes the change (an incoming activity or a local action), so
a notification exists exactly when its event does.
"""

from typing import Any

from fedi.db import notifications as notifications_db
from fedi.db import posts as posts_db
from fedi.db.posts import Post

KINDS = frozenset(notifications_db.TYPES)


async def notify(
    conn: Any, recipient_id: int, kind: str, from_actor_id: int, post_id: int | None = None
) -> int | None:
    """Record a notification; its id, or None when there is nothing to record.

    Only local accounts are notified, never of their own doing, and not by an account they
    block or mute with notifications hidden. A replayed event notifies once.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification type {kind!r}")
    if recipient_id == from_actor_id:
        return None
    if not await notifications_db.accepts_from(conn, recipient_id, from_actor_id):
        return None
    return await notifications_db.insert(conn, recipient_id, kind, from_actor_id, post_id)


async def withdraw_follow(conn: Any, follower_id: int, followee_id: int) -> None:
    """Forget a follow or follow request once it is undone or answered, as Mastodon does."""
    await notifications_db.remove_event(
        conn, ("follow", "follow_request"), follower_id, recipient_id=followee_id
    )


async def withdraw_reaction(conn: Any, kind: str, actor_id: int, post_id: int) -> None:
    """Forget a favourite or reblog once it is undone, as Mastodon does."""
    await notifications_db.remove_event(conn, (kind,), actor_id, post_id=post_id)


async def notify_mentions(conn: Any, post: Post) -> None:
    """A new post tells each local account it mentions (a reply mentions whom it answers)."""
    for actor_id in await posts_db.mentioned_actor_ids(conn, post.id):
        await notify(conn, actor_id, "mention", post.actor_id, post.id)


async def notify_edit(conn: Any, post: Post) -> None:
    """An edited post tells the local accounts that boosted it."""
    for actor_id in await notifications_db.local_boosters(conn, post.id):
        await notify(conn, actor_id, "update", post.actor_id, post.id)
