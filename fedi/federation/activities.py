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


# What a local group sends: FEP-1b12 relays, and the answers and invitations of membership.


def group_audience(group_uri: str, followers_url: str | None, visibility: str) -> dict[str, Any]:
    """`to`/`cc`/`audience` of what a group relays: public and unlisted posts as Lemmy does
    (Public and the group's followers), members posts to the group's members collection only."""
    if visibility == "members":
        return {"to": [f"{group_uri}/members"], "cc": [], "audience": group_uri}
    followers = [followers_url] if followers_url else []
    if visibility == "unlisted":
        return {"to": followers, "cc": [PUBLIC], "audience": group_uri}
    return {"to": [PUBLIC], "cc": followers, "audience": group_uri}


def group_announce(
    group: Actor,
    object_: str | dict[str, Any],
    visibility: str,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """The group passes on a member's post (by its id, as Mastodon reads a boost) or a member's
    activity (embedded without its @context, as Lemmy relays a Delete)."""
    if isinstance(object_, dict):
        object_ = {key: value for key, value in object_.items() if key != "@context"}
    return simple(
        group,
        "Announce",
        object_,
        activity_id or new_id(group, "announces"),
        published=_now(),
        **group_audience(group.uri, group.followers_url, visibility),
    )


def membership_request(
    uri: str, request_type: str, member_uri: str, group_uri: str
) -> dict[str, Any]:
    """The Follow (Mastodon, Lemmy) or Join (Mobilizon) a remote sent to join a group, rebuilt
    from what was stored, for the group's Accept or Reject to embed."""
    return {
        "@context": AS_CONTEXT,
        "id": uri,
        "type": request_type,
        "actor": member_uri,
        "object": group_uri,
    }


def invite(group: Actor, invitee_uri: str) -> dict[str, Any]:
    """Mobilizon's Invite, sent by the group itself so the inviting moderator stays unnamed."""
    return simple(
        group,
        "Invite",
        group.uri,
        new_id(group, "invites"),
        target=invitee_uri,
        to=[invitee_uri],
        cc=[],
    )


def group_removal(group: Actor, object_uri: str, visibility: str) -> dict[str, Any]:
    """A moderator's removal of a member's post, in the group's name (Lemmy's mod Delete), so
    the moderator is never named to other nodes; the group Announces it to its members."""
    return simple(
        group,
        "Delete",
        {"id": object_uri, "type": "Tombstone"},
        new_id(group, "deletes"),
        **group_audience(group.uri, group.followers_url, visibility),
    )
