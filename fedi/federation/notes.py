"""Local posts as ActivityPub Notes."""

from typing import Any

from activitypub.vocab import AS_CONTEXT
from fedi.db.actors import Actor
from fedi.db.posts import Post

NOTE_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "Hashtag": "as:Hashtag",
        "conversation": "http://ostatus.org#conversation",
        "ostatus": "http://ostatus.org#",
    },
]


def iso(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")


def post_to_note(
    post: Post, author: Actor, mentioned: list[Actor], tags: list[str], base_url: str
) -> dict[str, Any]:
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
        "attachment": [],
    }
    if post.content_map:
        note["contentMap"] = dict(post.content_map)
    if post.edited_at is not None:
        note["updated"] = iso(post.edited_at)
    return note


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    return {"@context": NOTE_CONTEXT, **document}
