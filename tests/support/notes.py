"""Remote Create(Note) activities shaped as Mastodon sends them."""

from typing import Any

from activitypub.vocab import PUBLIC
from fedi.db.actors import Actor


def note(author: Actor, n: int, text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{author.uri}/statuses/{n}",
        "type": "Note",
        "attributedTo": author.uri,
        "content": f"<p>{text}</p>",
        "to": [PUBLIC],
        "cc": [author.followers_url],
        "published": "2026-11-20T10:00:00Z",
        **extra,
    }


def create(author: Actor, obj: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{obj['id']}/activity",
        "type": "Create",
        "actor": author.uri,
        "to": obj.get("to"),
        "cc": obj.get("cc"),
        "object": obj,
        **extra,
    }
