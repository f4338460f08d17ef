"""Mastodon's documented entity attributes (docs.joinmastodon.org/entities, Mastodon 4.3).

Only the attributes the docs do not mark optional are listed as required; nested entities are
checked recursively, so a Status checks its Account and its MediaAttachments too.
"""

from typing import Any

ACCOUNT = {
    "id",
    "username",
    "acct",
    "url",
    "display_name",
    "note",
    "avatar",
    "avatar_static",
    "header",
    "header_static",
    "locked",
    "fields",
    "emojis",
    "bot",
    "group",
    "discoverable",
    "created_at",
    "last_status_at",
    "statuses_count",
    "followers_count",
    "following_count",
    "uri",
    "indexable",
    "hide_collections",
    "roles",
}
ENTITIES: dict[str, set[str]] = {
    "Account": ACCOUNT,
    "CredentialAccount": ACCOUNT | {"source", "role"},
    "Status": {
        "id",
        "uri",
        "created_at",
        "account",
        "content",
        "visibility",
        "sensitive",
        "spoiler_text",
        "media_attachments",
        "mentions",
        "tags",
        "emojis",
        "reblogs_count",
        "favourites_count",
        "replies_count",
        "url",
        "in_reply_to_id",
        "in_reply_to_account_id",
        "reblog",
        "poll",
        "card",
        "language",
        "edited_at",
    },
    "MediaAttachment": {
        "id",
        "type",
        "url",
        "preview_url",
        "remote_url",
        "meta",
        "description",
        "blurhash",
    },
    "Notification": {"id", "type", "created_at", "account", "group_key"},
    "Relationship": {
        "id",
        "following",
        "showing_reblogs",
        "notifying",
        "languages",
        "followed_by",
        "blocking",
        "blocked_by",
        "muting",
        "muting_notifications",
        "requested",
        "requested_by",
        "domain_blocking",
        "endorsed",
        "note",
    },
    "Application": {"name", "website", "scopes", "redirect_uris"},
    "CredentialApplication": {
        "name",
        "website",
        "scopes",
        "redirect_uris",
        "client_id",
        "client_secret",
    },
    "Token": {"access_token", "token_type", "scope", "created_at"},
    "Context": {"ancestors", "descendants"},
    "Search": {"accounts", "statuses", "hashtags"},
    "Tag": {"name", "url"},
    "Marker": {"last_read_id", "version", "updated_at"},
    "StatusEdit": {
        "content",
        "spoiler_text",
        "sensitive",
        "created_at",
        "account",
        "media_attachments",
        "emojis",
    },
    "StatusSource": {"id", "text", "spoiler_text"},
    "Preferences": {
        "posting:default:visibility",
        "posting:default:sensitive",
        "posting:default:language",
        "reading:expand:media",
        "reading:expand:spoilers",
    },
    "Instance": {
        "domain",
        "title",
        "version",
        "source_url",
        "description",
        "usage",
        "thumbnail",
        "languages",
        "configuration",
        "registrations",
        "contact",
        "rules",
        "api_versions",
    },
    "V1_Instance": {
        "uri",
        "title",
        "short_description",
        "description",
        "email",
        "version",
        "urls",
        "stats",
        "thumbnail",
        "languages",
        "registrations",
        "approval_required",
        "invites_enabled",
        "configuration",
        "contact_account",
        "rules",
    },
}
# Attributes that hold other entities: (entity, attribute) -> (entity of the value, is a list)
NESTED: dict[tuple[str, str], tuple[str, bool]] = {
    ("Status", "account"): ("Account", False),
    ("Status", "media_attachments"): ("MediaAttachment", True),
    ("Status", "reblog"): ("Status", False),
    ("Status", "tags"): ("Tag", True),
    ("Notification", "account"): ("Account", False),
    ("Notification", "status"): ("Status", False),
    ("StatusEdit", "account"): ("Account", False),
    ("Context", "ancestors"): ("Status", True),
    ("Context", "descendants"): ("Status", True),
    ("Search", "accounts"): ("Account", True),
    ("Search", "statuses"): ("Status", True),
    ("Search", "hashtags"): ("Tag", True),
}


def missing_attributes(value: Any, entity: str, path: str = "") -> list[str]:
    """Every documented attribute absent from `value` (and its nested entities), as paths."""
    if not isinstance(value, dict):
        return [f"{path or entity}: not an object"]
    missing = [f"{path}{name}" for name in sorted(ENTITIES[entity] - value.keys())]
    for (owner, attribute), (inner, is_list) in NESTED.items():
        if owner != entity or value.get(attribute) is None:
            continue
        items = value[attribute] if is_list else [value[attribute]]
        for index, item in enumerate(items):
            where = f"{path}{attribute}[{index}]." if is_list else f"{path}{attribute}."
            missing += missing_attributes(item, inner, where)
    return missing


def assert_entity(value: Any, entity: str) -> None:
    missing = missing_attributes(value, entity)
    assert not missing, f"{entity} lacks documented attributes: {', '.join(missing)}"
