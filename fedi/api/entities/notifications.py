"""Notifications as Mastodon Notification entities, a page at a time."""

from typing import Any

from fedi.api.entities.accounts import accounts_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.entities.times import api_time
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.db.notifications import Notification
from fedi.urls import Urls


async def notifications_to_json(
    conn: Any, urls: Urls, recipient: Actor, notifications: list[Notification]
) -> list[dict[str, Any]]:
    """Entities in the given order; one whose account or status cannot be shown is left out."""
    if not notifications:
        return []
    senders = await actors_db.by_ids(conn, list({n.from_actor_id for n in notifications}))
    accounts = {int(a["id"]): a for a in await accounts_to_json(conn, urls, senders)}
    post_ids = list(dict.fromkeys(n.post_id for n in notifications if n.post_id is not None))
    statuses = {int(s["id"]): s for s in await statuses_to_json(conn, urls, recipient, post_ids)}
    out = []
    for notification in notifications:
        account = accounts.get(notification.from_actor_id)
        if account is None:
            continue
        entity: dict[str, Any] = {
            "id": str(notification.id),
            "type": notification.notification_type,
            "created_at": api_time(notification.created_at),
            "group_key": f"ungrouped-{notification.id}",
            "account": account,
        }
        if notification.post_id is not None:
            status = statuses.get(notification.post_id)
            if status is None:
                continue
            entity["status"] = status
        out.append(entity)
    return out
