"""Which streaming clients a database change concerns, and what each of them is sent.

An event names a change by ids only (see migration 0009); here each client's account is checked
against it with the rules the timelines use, and the status or notification is rendered for that
account, once per account however many connections it has open. The user stream follows the
home timeline (followed accounts with their follow terms, the account itself, its mentions, the
posts in the local groups it is an approved member of); the public and hashtag streams carry
public posts, and `local` ones to the local accounts that stream here, leaving out replies to
others as the public timelines do. Members-only and confidential posts reach only those who
may_see them: the group's members.
"""

from collections import defaultdict
from typing import Any

import orjson

from fedi.api.entities.notifications import notifications_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.stream_clients import HASHTAG_STREAMS, PUBLIC_STREAMS, Channel, Frame, Subscriber
from fedi.db import notifications as notifications_db
from fedi.db import posts as posts_db
from fedi.db import status_views
from fedi.db.group_accounts import members_among
from fedi.db.posts import Post
from fedi.db.stream_audience import (
    FollowTerms,
    PostFacts,
    followers_among,
    hiding,
    post_facts,
)
from fedi.domain.posts import may_see
from fedi.urls import Urls

Delivery = tuple[Subscriber, Frame]
# Visibilities a public or hashtag stream carries (`local` only reaches local accounts, and only
# local accounts stream here).
STREAMED_PUBLICLY = ("public", "local")
# Visibilities whose posts reach the followers' home timelines.
TO_FOLLOWERS = ("public", "unlisted", "followers", "local")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _by_viewer(subscribers: list[Subscriber]) -> dict[int, list[Subscriber]]:
    grouped: dict[int, list[Subscriber]] = defaultdict(list)
    for subscriber in subscribers:
        if not subscriber.closed:
            grouped[subscriber.viewer.id].append(subscriber)
    return grouped


def _id(event: dict[str, Any], key: str) -> int | None:
    value = event.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def deliveries_for(
    conn: Any, urls: Urls, event: dict[str, Any], subscribers: list[Subscriber]
) -> list[Delivery]:
    """The frames an event gives, each paired with the client to send it to."""
    grouped = _by_viewer(subscribers)
    if not grouped:
        return []
    kind = event.get("kind")
    post_id, boost_id = _id(event, "post"), _id(event, "boost")
    if kind in ("update", "status.update") and post_id is not None:
        return await _post_written(conn, urls, str(kind), post_id, grouped)
    if kind == "update" and boost_id is not None:
        return await _boost_written(conn, urls, boost_id, grouped)
    if kind == "delete" and post_id is not None:
        return await _post_deleted(conn, event, post_id, grouped)
    if kind == "delete" and boost_id is not None:
        return await _boost_deleted(conn, event, boost_id, grouped)
    notification_id = _id(event, "notification")
    if kind == "notification" and notification_id is not None:
        return await _notification(conn, urls, event, notification_id, grouped)
    return []


def _public_channel_takes(channel: Channel, visibility: str, local: bool, facts: PostFacts) -> bool:
    if visibility not in STREAMED_PUBLICLY or facts.limited_author:
        return False
    if channel.name in PUBLIC_STREAMS:
        only_local, only_remote, only_media = PUBLIC_STREAMS[channel.name]
        return (
            not facts.replies_to_other
            and not (only_local and not local)
            and not (only_remote and local)
            and not (only_media and not facts.has_media)
        )
    if channel.name in HASHTAG_STREAMS:
        return channel.tag in facts.tags and not (HASHTAG_STREAMS[channel.name] and not local)
    return False


def _home_takes(
    viewer_id: int,
    post: Post,
    follows: dict[int, FollowTerms],
    mentioned: set[int],
    in_group: set[int],
) -> bool:
    if viewer_id == post.actor_id or viewer_id in mentioned or viewer_id in in_group:
        return True
    terms = follows.get(viewer_id)
    if terms is None:
        return False
    return terms.languages is None or post.language is None or post.language in terms.languages


async def _post_written(
    conn: Any, urls: Urls, event_name: str, post_id: int, grouped: dict[int, list[Subscriber]]
) -> list[Delivery]:
    post = await posts_db.by_id(conn, post_id)
    if post is None:
        return []  # deleted before we got to it; its delete event follows
    viewers = list(grouped)
    facts = await post_facts(conn, post.id)
    hidden = await hiding(conn, viewers, [post.actor_id])
    follows = await followers_among(conn, post.actor_id, viewers)
    mentioned = set(await posts_db.mentioned_actor_ids(conn, post.id))
    in_group = (
        await members_among(conn, post.group_id, viewers) if post.group_id is not None else set()
    )
    out: list[Delivery] = []
    for viewer_id, subscribers in grouped.items():
        if viewer_id in hidden:
            continue
        matches = [
            (subscriber, channel)
            for subscriber in subscribers
            for channel in subscriber.channels.values()
            if (
                _home_takes(viewer_id, post, follows, mentioned, in_group)
                if channel.name == "user"
                else _public_channel_takes(channel, post.visibility, post.local, facts)
            )
        ]
        viewer = subscribers[0].viewer
        if not matches or not await may_see(conn, post, viewer):
            continue
        rendered = await statuses_to_json(conn, urls, viewer, [post.id])
        if rendered:
            payload = _dumps(rendered[0])
            out += [(s, Frame(channel.label, event_name, payload)) for s, channel in matches]
    return out


async def _boost_written(
    conn: Any, urls: Urls, boost_id: int, grouped: dict[int, list[Subscriber]]
) -> list[Delivery]:
    """A boost reaches the home stream of its booster and their followers, never a public one."""
    boost = (await status_views.boosts_by_ids(conn, [boost_id])).get(boost_id)
    post = None if boost is None else await posts_db.by_id(conn, boost.post_id)
    if boost is None or post is None:
        return []
    viewers = list(grouped)
    hidden = await hiding(conn, viewers, [boost.actor_id, post.actor_id])
    follows = await followers_among(conn, boost.actor_id, viewers)
    out: list[Delivery] = []
    for viewer_id, subscribers in grouped.items():
        terms = follows.get(viewer_id)
        wanted = viewer_id == boost.actor_id or (terms is not None and terms.show_reblogs)
        if not wanted or viewer_id in hidden:
            continue
        matches = [
            (s, channel)
            for s in subscribers
            for channel in s.channels.values()
            if channel.name == "user"
        ]
        viewer = subscribers[0].viewer
        if not matches or not await may_see(conn, post, viewer):
            continue
        rendered = await statuses_to_json(conn, urls, viewer, [boost.id])
        if rendered:
            payload = _dumps(rendered[0])
            out += [(s, Frame(channel.label, "update", payload)) for s, channel in matches]
    return out


async def _post_deleted(
    conn: Any, event: dict[str, Any], post_id: int, grouped: dict[int, list[Subscriber]]
) -> list[Delivery]:
    """Sent where the post could have been shown; only its id, which reveals nothing more."""
    author = _id(event, "actor")
    visibility = str(event.get("visibility"))
    local = event.get("local") is True
    mentions = {m for m in event.get("mentions") or [] if isinstance(m, int)}
    tags = frozenset(t for t in event.get("tags") or [] if isinstance(t, str))
    facts = PostFacts(tags, event.get("media") is True, event.get("reply") is True)
    followers: set[int] = set()
    if author is not None and visibility in TO_FOLLOWERS:
        followers = set(await followers_among(conn, author, list(grouped)))
    out: list[Delivery] = []
    for viewer_id, subscribers in grouped.items():
        home = viewer_id == author or viewer_id in mentions or viewer_id in followers
        for subscriber in subscribers:
            for channel in subscriber.channels.values():
                if (
                    home
                    if channel.name == "user"
                    else _public_channel_takes(channel, visibility, local, facts)
                ):
                    out.append((subscriber, Frame(channel.label, "delete", str(post_id))))
    return out


async def _boost_deleted(
    conn: Any, event: dict[str, Any], boost_id: int, grouped: dict[int, list[Subscriber]]
) -> list[Delivery]:
    booster = _id(event, "actor")
    if booster is None:
        return []
    followers = set(await followers_among(conn, booster, list(grouped)))
    return [
        (subscriber, Frame(channel.label, "delete", str(boost_id)))
        for viewer_id, subscribers in grouped.items()
        if viewer_id == booster or viewer_id in followers
        for subscriber in subscribers
        for channel in subscriber.channels.values()
        if channel.name == "user"
    ]


async def _notification(
    conn: Any,
    urls: Urls,
    event: dict[str, Any],
    notification_id: int,
    grouped: dict[int, list[Subscriber]],
) -> list[Delivery]:
    recipient_id = _id(event, "recipient")
    subscribers = grouped.get(recipient_id) if recipient_id is not None else None
    if not subscribers:
        return []
    matches = [
        (s, channel)
        for s in subscribers
        for channel in s.channels.values()
        if channel.name == "user:notification" or (channel.name == "user" and s.sees_notifications)
    ]
    if not matches:
        return []
    recipient = subscribers[0].viewer
    # Read as the notifications list reads it: one from a blocked sender, or about a post the
    # recipient may no longer see, is not shown.
    found = await notifications_db.one(conn, recipient.id, recipient.local, notification_id)
    rendered = [] if found is None else await notifications_to_json(conn, urls, recipient, [found])
    if not rendered:
        return []
    payload = _dumps(rendered[0])
    return [(s, Frame(channel.label, "notification", payload)) for s, channel in matches]
