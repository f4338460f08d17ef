"""Local actors as ActivityPub documents."""

from typing import Any

from activitypub.vocab import AS_CONTEXT, SECURITY_CONTEXT
from fedi.db.actors import Actor

ACTOR_CONTEXT: list[Any] = [
    AS_CONTEXT,
    SECURITY_CONTEXT,
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "toot": "http://joinmastodon.org/ns#",
        "discoverable": "toot:discoverable",
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
    },
]


def actor_to_document(actor: Actor) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": actor.uri,
        "type": actor.actor_type,
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.summary,
        "url": actor.url,
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "followers": actor.followers_url,
        "following": actor.following_url,
        "endpoints": {"sharedInbox": actor.shared_inbox_url},
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        # A shielded member is never offered to other nodes' directories or search.
        "discoverable": actor.discoverable and not actor.shielded,
        "published": actor.created_at.isoformat().replace("+00:00", "Z"),
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.uri,
            "publicKeyPem": actor.public_key_pem,
        },
    }
    if actor.icon_url:
        doc["icon"] = {"type": "Image", "url": actor.icon_url}
    if actor.header_url:
        doc["image"] = {"type": "Image", "url": actor.header_url}
    if actor.fields:
        doc["attachment"] = [
            {
                "type": "PropertyValue",
                "name": field.get("name", ""),
                "value": field.get("value", ""),
            }
            for field in actor.fields
        ]
    return doc
