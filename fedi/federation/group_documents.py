"""Local groups and their spaces as ActivityPub documents, in the shape Lemmy (FEP-1b12),
Mobilizon and Mastodon read: a Group actor with its members, moderators and featured posts."""

import html
from collections.abc import Iterable
from typing import Any

from babel import Locale, UnknownLocaleError

from activitypub.vocab import AS_CONTEXT, PUBLIC
from fedi.db.groups import Group, Space
from fedi.db.posts import Post
from fedi.federation.actor_documents import ACTOR_CONTEXT, actor_to_document
from fedi.federation.notes import iso

# Our own terms. `visibility` tells another node whether what is posted to the group is for
# its members only, so that it never shows those posts to anyone else.
FEDI_NS = "https://fedi.example/ns#"
VISIBILITY_TERM = "fedi:visibility"
MOBILIZON_NS = "https://joinmobilizon.org/ns#"
# Mobilizon's words for how one joins.
OPENNESS = {"open": "open", "approval": "moderated", "invite": "invite_only"}

GROUP_CONTEXT: list[Any] = [
    *ACTOR_CONTEXT[:-1],
    {
        **ACTOR_CONTEXT[-1],
        "fedi": FEDI_NS,
        "lemmy": "https://join-lemmy.org/ns#",
        "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
        "moderators": {"@id": "lemmy:moderators", "@type": "@id"},
        "featured": {"@id": "toot:featured", "@type": "@id"},
        # Mobilizon's terms, spelled out: no `mz` prefix, which would announce a Mobilizon
        # server (one that takes Join rather than Follow; ours take both).
        "members": {"@id": MOBILIZON_NS + "members", "@type": "@id"},
        "openness": {"@id": MOBILIZON_NS + "openness", "@type": "@id"},
        "language": "schema:inLanguage",
        "identifier": "schema:identifier",
    },
]
SPACE_CONTEXT: list[Any] = [AS_CONTEXT, {"fedi": FEDI_NS}]


def _language(code: str) -> dict[str, str]:
    try:
        name = Locale.parse(code, sep="-" if "-" in code else "_").get_display_name(code)
    except (ValueError, UnknownLocaleError):
        name = None
    return {"identifier": code, "name": name or code}


def _rules_html(rules: list[str]) -> str:
    items = "".join(f"<li>{html.escape(rule)}</li>" for rule in rules)
    return f"<ol>{items}</ol>"


def group_to_document(group: Group, public_spaces: Iterable[Space]) -> dict[str, Any]:
    """The group's actor document. Never for a confidential group: nothing of it is served."""
    if group.visibility == "confidential":
        raise ValueError("a confidential group has no document for other nodes")
    uri = group.uri
    doc = actor_to_document(group.actor)
    doc["@context"] = GROUP_CONTEXT
    doc.update(
        {
            "type": "Group",
            "members": f"{uri}/members",
            # Lemmy reads the moderators from attributedTo; older Lemmy from `moderators`.
            "attributedTo": f"{uri}/moderators",
            "moderators": f"{uri}/moderators",
            "featured": f"{uri}/featured",
            "postingRestrictedToMods": False,
            "manuallyApprovesFollowers": group.settings.join_policy != "open",
            "openness": OPENNESS[group.settings.join_policy],
            "discoverable": group.visibility == "public" and doc["discoverable"],
            VISIBILITY_TERM: group.visibility,
            # Spaces are collections of the group's posts (AS2 `streams`); stricter ones are
            # for members and stay unlisted here.
            "streams": [space.uri for space in public_spaces if space.visibility == "public"],
        }
    )
    if group.settings.language:
        doc["language"] = [_language(group.settings.language)]
    if group.settings.rules:
        # Lemmy's sidebar: HTML content with its Markdown source.
        doc["content"] = _rules_html(group.settings.rules)
        doc["mediaType"] = "text/html"
        doc["source"] = {
            "content": "\n".join(f"{n}. {rule}" for n, rule in enumerate(group.settings.rules, 1)),
            "mediaType": "text/markdown",
        }
    return doc


def space_to_collection(
    group: Group, space: Space, visibility: str, total: int, *, paged: bool = True
) -> dict[str, Any]:
    """A space: an OrderedCollection of the group's posts, with its own name and pages."""
    if visibility == "confidential":
        raise ValueError("a confidential space has no document for other nodes")
    document: dict[str, Any] = {
        "@context": SPACE_CONTEXT,
        "id": space.uri,
        "type": "OrderedCollection",
        "name": space.name,
        "summary": space.description or None,
        "attributedTo": group.uri,
        "audience": group.uri,
        VISIBILITY_TERM: visibility,
        "totalItems": total,
    }
    if paged:
        document["first"] = f"{space.uri}?page=true"
    return document


def inline_collection(collection_id: str, items: list[Any]) -> dict[str, Any]:
    """A short collection served whole (moderators, featured): Lemmy and Mastodon read its
    items from the collection itself, not from pages."""
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


def announce_item(group: Group, post: Post) -> dict[str, Any]:
    """A post in the group's outbox, as the group relays it (FEP-1b12)."""
    if post.visibility in ("public", "unlisted"):
        assert group.actor.followers_url is not None
        to, cc = [PUBLIC], [group.actor.followers_url]
    else:
        to, cc = [group.members_url], []
    return {
        "id": f"{group.uri}#announces/{post.id}",
        "type": "Announce",
        "actor": group.uri,
        "published": iso(post.published_at),
        "to": to,
        "cc": cc,
        "audience": group.uri,
        "object": post.uri,
    }
