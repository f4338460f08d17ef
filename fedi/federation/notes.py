"""Local posts as ActivityPub Notes."""

from collections.abc import Sequence
from typing import Any

from activitypub.vocab import AS_CONTEXT, RemoteAttachment
from fedi.db.actors import Actor
from fedi.db.groups import Space
from fedi.db.posts import Post
from fedi.db.status_views import MediaRow
from fedi.domain.post_languages import content_map_of

NOTE_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "Hashtag": "as:Hashtag",
        "conversation": "http://ostatus.org#conversation",
        "ostatus": "http://ostatus.org#",
        "blurhash": "toot:blurhash",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    },
]


def iso(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")


def media_to_attachment(row: MediaRow, base_url: str) -> dict[str, Any] | None:
    """A media row as Mastodon describes a file in a Note; None if it has no URL to give."""
    url = f"{base_url}/media/{row.file_name}" if row.file_name else row.remote_url
    if url is None:
        return None
    attachment: dict[str, Any] = {
        "type": "Document",
        "mediaType": row.content_type,
        "url": url,
        "name": row.description or None,
    }
    if row.blurhash:
        attachment["blurhash"] = row.blurhash
    if row.width and row.height:
        attachment["width"] = row.width
        attachment["height"] = row.height
    attachment["focalPoint"] = [row.focus_x, row.focus_y]
    return attachment


def _api_media_type(attachment: RemoteAttachment) -> str:
    """Mastodon's attachment type, from the mediaType or else the object's type."""
    top = (attachment.media_type or "").split("/", 1)[0].lower()
    if top in ("image", "video", "audio"):
        return top
    return {"Image": "image", "Video": "video", "Audio": "audio"}.get(attachment.type, "unknown")


def attachment_to_media(attachment: RemoteAttachment) -> dict[str, Any]:
    """The media row columns for a remote post's attachment (its file stays where it is)."""
    focus = attachment.focal_point or (0.0, 0.0)
    return {
        "media_type": _api_media_type(attachment),
        "remote_url": attachment.url,
        "content_type": attachment.media_type,
        "description": attachment.name,
        "blurhash": attachment.blurhash,
        "width": attachment.width,
        "height": attachment.height,
        "focus_x": focus[0],
        "focus_y": focus[1],
    }


def post_to_note(
    post: Post,
    author: Actor,
    mentioned: list[Actor],
    tags: list[str],
    base_url: str,
    media: Sequence[MediaRow] = (),
    *,
    group: Actor | None = None,
    space: Space | None = None,
) -> dict[str, Any]:
    """The Note of a local post. A group post (`group`: the local or remote Group it was
    written in) names its group as `audience` (FEP-1b12) and, in a space of a local group, that
    space as `target`, so that nodes that know spaces file it there and others see a plain
    post to the group. A confidential space is never named (its posts never leave anyway)."""
    note: dict[str, Any] = {
        "id": post.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "content": post.content,
        "published": iso(post.published_at),
        "to": list(post.to_uris),
        "cc": list(post.cc_uris),
        "url": post.url,
        "inReplyTo": post.in_reply_to_uri,
        "sensitive": post.sensitive,
        "summary": post.summary or None,
        "conversation": post.conversation,
        "context": post.conversation,
        "tag": [
            {"type": "Mention", "href": actor.uri, "name": f"@{actor.username}@{actor.domain}"}
            for actor in mentioned
        ]
        + [
            {"type": "Hashtag", "href": f"{base_url}/tags/{tag}", "name": f"#{tag}"} for tag in tags
        ],
        "attachment": [
            attachment
            for row in media
            if (attachment := media_to_attachment(row, base_url)) is not None
        ],
    }
    if group is not None:
        note["audience"] = group.uri
        if space is not None and space.group_id == group.id and space.visibility != "confidential":
            note["target"] = {
                "type": "OrderedCollection",
                "id": space.uri,
                "attributedTo": group.uri,
            }
    if post.content_map:
        note["contentMap"] = content_map_of(post)
    if post.edited_at is not None:
        note["updated"] = iso(post.edited_at)
    return note


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    return {"@context": NOTE_CONTEXT, **document}
