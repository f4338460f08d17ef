"""Keeping a post written elsewhere: one way to store it, whether it arrived in the inbox or a
member looked it up by its URL. The caller has checked its origin and holds the transaction."""

from typing import Any

from activitypub.vocab import CONVERTED_TYPES, RemoteNote
from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.html import sanitize
from fedi.domain.media import keep_remote_media
from fedi.domain.notifications import notify_mentions
from fedi.domain.policy import rejects_media
from fedi.domain.remote_groups import RemoteGroup, relayed_visibility, remote_group_of


def rendered_content(note: RemoteNote) -> tuple[str, dict[str, str]]:
    """Sanitised HTML and contentMap; a titled Article or Page shows its title first."""
    content = sanitize(note.content)
    if note.name and note.type in CONVERTED_TYPES:
        content = f"<p><strong>{sanitize(note.name)}</strong></p>{content}"
    return content, {lang: sanitize(text) for lang, text in note.content_map.items()}


def main_language(note: RemoteNote) -> str | None:
    """The post's own language: the contentMap entry that is its content, else its only entry.
    (Not simply the first key, as Mastodon reads it: the inbox keeps activities as jsonb, which
    does not keep the order of keys.)"""
    if len(note.content_map) == 1:
        return next(iter(note.content_map))
    return next((code for code, text in note.content_map.items() if text == note.content), None)


async def _local_actor(conn: Any, uri: str) -> Actor | None:
    actor = await actors_db.by_uri(conn, uri)
    return actor if actor is not None and actor.local else None


async def store_remote_note(
    conn: Any, note: RemoteNote, author: Actor, group: RemoteGroup | None = None
) -> Post | None:
    """Store a remote post and its local mentions and tags; None if it was already here.

    `group` is the remote group the post was relayed in (checked by the caller); a post
    written by a remote group itself (a Mobilizon group's event or article) is in that group.
    """
    if group is None:
        group = await remote_group_of(conn, author)
    content, content_map = rendered_content(note)
    parent = await posts_db.by_uri(conn, note.in_reply_to) if note.in_reply_to else None
    language = main_language(note)
    post = await posts_db.insert_remote(
        conn,
        uri=note.id,
        actor_id=author.id,
        local=False,
        visibility=relayed_visibility(group, note.to, note.cc, author.followers_url),
        content=content,
        summary=sanitize(note.summary) if note.summary else "",
        sensitive=note.sensitive or bool(note.summary),
        language=language,
        content_map=content_map,
        url=note.url,
        in_reply_to_uri=note.in_reply_to,
        in_reply_to_id=parent.id if parent else None,
        conversation=note.conversation,
        to_uris=note.to,
        cc_uris=note.cc,
        group_id=group.id if group is not None else None,
    )
    if post is None:
        return None
    local_mentions = [a.id for href in note.mentions if (a := await _local_actor(conn, href))]
    if parent is not None and parent.local:
        local_mentions.append(parent.actor_id)
    await posts_db.set_mentions(conn, post.id, local_mentions)
    await posts_db.set_tags(conn, post.id, note.hashtags)
    return post


async def keep_remote_note(
    conn: Any, note: RemoteNote, author: Actor, group: RemoteGroup | None = None
) -> Post | None:
    """Store a new remote post as an incoming Create does: with its mentions notified and its
    attachments recorded; None if it was already here."""
    post = await store_remote_note(conn, note, author, group)
    if post is not None:
        await notify_mentions(conn, post)
        if note.attachments and not await rejects_media(conn, author.domain):
            await keep_remote_media(conn, author.id, post.id, note.attachments)
    return post
