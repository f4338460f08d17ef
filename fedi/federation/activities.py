"""The activities this node sends, built from what happened locally."""

import uuid
from datetime import UTC, datetime
from typing import Any

from activitypub.vocab import AS_CONTEXT, PUBLIC
from fedi.db.actors import Actor
from fedi.federation.notes import NOTE_CONTEXT, iso


def new_id(actor: Actor, kind: str) -> str:
    return f"{actor.uri}#{kind}/{uuid.uuid4()}"


def _now() -> str:
    return iso(datetime.now(UTC))


def create(actor: Actor, note: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": NOTE_CONTEXT,
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def update(actor: Actor, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": NOTE_CONTEXT,
        "id": new_id(actor, "updates"),
        "type": "Update",
        "actor": actor.uri,
        "published": _now(),
        "to": obj.get("to", [PUBLIC]),
        "cc": obj.get("cc", []),
        "object": obj,
    }


def delete(actor: Actor, object_uri: str, to: list[str], cc: list[str]) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{object_uri}#delete",
        "type": "Delete",
        "actor": actor.uri,
        "to": to,
        "cc": cc,
        "object": {"id": object_uri, "type": "Tombstone"},
    }


def simple(
    actor: Actor, activity_type: str, object_: str | dict[str, Any], activity_id: str, **extra: Any
) -> dict[str, Any]:
    """Like, Announce, Follow, Block and their kin: an actor acting on one object."""
    return {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": activity_type,
        "actor": actor.uri,
        "object": object_,
        **extra,
    }


def undo(actor: Actor, original: dict[str, Any]) -> dict[str, Any]:
    inner = {key: value for key, value in original.items() if key != "@context"}
    return simple(actor, "Undo", inner, f"{original['id']}/undo")


def answer(actor: Actor, verdict: str, follow: dict[str, Any]) -> dict[str, Any]:
    """Accept or Reject of a Follow, embedding the Follow as Mastodon expects."""
    inner = {key: value for key, value in follow.items() if key != "@context"}
    return simple(actor, verdict, inner, new_id(actor, verdict.lower() + "s"), to=[follow["actor"]])


def follow_document(uri: str, follower_uri: str, followee_uri: str) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": uri,
        "type": "Follow",
        "actor": follower_uri,
        "object": followee_uri,
    }


def flag(actor: Actor, activity_id: str, object_uris: list[str], content: str) -> dict[str, Any]:
    """A report sent on to the reported account's server: the account first, then its posts.

    `actor` is the instance actor, so the member who reported stays unknown to that server.
    """
    return {
        "@context": AS_CONTEXT,
        "id": activity_id,
        "type": "Flag",
        "actor": actor.uri,
        "object": object_uris,
        "content": content,
    }
