"""Changing a local account's profile: the limits Mastodon sets, and how the text is rendered."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedi.db import actors as actors_db
from fedi.db import user_preferences
from fedi.db.actors import Actor
from fedi.domain.html import MentionLink, mentioned_handles, render_plain_text
from fedi.domain.media import store_profile_image
from fedi.domain.posts import LANGUAGE
from fedi.errors import InvalidInput
from fedi.urls import Urls

# Mastodon's limits, which clients read from the instance entity and enforce before sending.
MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_NAME = 255
MAX_FIELD_VALUE = 255
# Default post privacy in Mastodon's words -> our visibility.
PRIVACY = {"public": "public", "unlisted": "unlisted", "private": "followers", "direct": "direct"}


@dataclass(frozen=True)
class ProfileField:
    name: str
    value: str


@dataclass(frozen=True)
class ProfileChange:
    """What one update asks for; None leaves that setting as it is."""

    display_name: str | None = None
    note: str | None = None
    avatar: bytes | None = None
    header: bytes | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    hide_collections: bool | None = None
    # fedi's own: an at-risk member, left out of collections other nodes see and of search.
    shielded: bool | None = None
    # Replaces all fields; entries without a name are dropped, as Mastodon does.
    fields: tuple[ProfileField, ...] | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    # An empty string clears the default language.
    language: str | None = None


def named_fields(change: ProfileChange) -> list[ProfileField]:
    return [field for field in change.fields or () if field.name.strip()]


def check_change(change: ProfileChange) -> None:
    """Refuse a change that breaks a limit, before anything is stored."""
    if change.display_name is not None and len(change.display_name.strip()) > MAX_DISPLAY_NAME:
        raise InvalidInput(f"display_name may have at most {MAX_DISPLAY_NAME} characters")
    if change.note is not None and len(change.note) > MAX_NOTE:
        raise InvalidInput(f"note may have at most {MAX_NOTE} characters")
    if change.fields is not None:
        if len(named_fields(change)) > MAX_FIELDS:
            raise InvalidInput(f"a profile may have at most {MAX_FIELDS} fields")
        for field in named_fields(change):
            if len(field.name) > MAX_FIELD_NAME:
                raise InvalidInput(f"a field name may have at most {MAX_FIELD_NAME} characters")
            if len(field.value) > MAX_FIELD_VALUE:
                raise InvalidInput(f"a field value may have at most {MAX_FIELD_VALUE} characters")
    if change.privacy is not None and change.privacy not in PRIVACY:
        raise InvalidInput(f"source[privacy] must be one of {', '.join(PRIVACY)}")
    if change.language and not LANGUAGE.match(change.language):
        raise InvalidInput(f"{change.language!r} is not a language code such as 'en' or 'pt-BR'")


async def store_images(media_dir: Path, urls: Urls, change: ProfileChange) -> dict[str, str]:
    """Store the new avatar and header files; returns the actor columns pointing at them.

    Done before the database transaction: a file left behind by a failed update is harmless,
    a row pointing at a missing file is not.
    """
    columns = {}
    for column, kind, data in (
        ("icon_url", "avatar", change.avatar),
        ("header_url", "header", change.header),
    ):
        if data is not None:
            # Decoding and re-encoding an image takes a while: keep the event loop free.
            name = await asyncio.to_thread(store_profile_image, media_dir, data, kind)
            columns[column] = f"{urls.base}/media/{name}"
    return columns


async def _known_mentions(conn: Any, domain: str, *texts: str) -> dict[tuple[str, str], Actor]:
    """Actors the texts mention that this node already knows; a profile edit fetches nothing."""
    found: dict[tuple[str, str], Actor] = {}
    for text in texts:
        for username, host in mentioned_handles(text, domain):
            actor = await actors_db.by_handle(conn, username, host)
            if actor is not None:
                found[(username.lower(), host)] = actor
    return found


def _renderer(
    urls: Urls, domain: str, mentions: dict[tuple[str, str], Actor]
) -> Callable[[str], str]:
    def find(username: str, host: str) -> MentionLink | None:
        actor = mentions.get((username.lower(), host))
        if actor is None:
            return None
        return MentionLink(actor.handle, actor.uri, actor.url or actor.uri)

    def render(text: str) -> str:
        if not text.strip():
            return ""
        return render_plain_text(
            text, base_url=urls.base, local_domain=domain, find_mention=find
        ).html

    return render


def _field_html(value: str, render: Callable[[str], str]) -> str:
    """A field value is one line of HTML, without the paragraph rendered text comes in."""
    rendered = render(" ".join(value.split()))
    if rendered.startswith("<p>") and rendered.endswith("</p>"):
        return rendered[3:-4]
    return rendered


async def apply_change(
    conn: Any,
    urls: Urls,
    domain: str,
    actor: Actor,
    change: ProfileChange,
    images: dict[str, str],
) -> Actor:
    """Write the change (the caller holds the transaction) and return the updated actor."""
    check_change(change)
    texts = [change.note or ""]
    texts += [field.value for field in named_fields(change)]
    render = _renderer(urls, domain, await _known_mentions(conn, domain, *texts))
    columns: dict[str, Any] = dict(images)
    preferences: dict[str, Any] = {}
    if change.display_name is not None:
        columns["display_name"] = change.display_name.strip()
    if change.note is not None:
        columns["summary"] = render(change.note)
        preferences["note_source"] = change.note
    if change.fields is not None:
        # Names stay plain text, as in Mastodon's entity and ActivityPub's PropertyValue.
        columns["fields"] = [
            {"name": field.name.strip(), "value": _field_html(field.value, render)}
            for field in named_fields(change)
        ]
        preferences["fields_source"] = [
            {"name": field.name, "value": field.value} for field in named_fields(change)
        ]
    for column, value in (
        ("manually_approves_followers", change.locked),
        ("bot", change.bot),
        ("discoverable", change.discoverable),
        ("hide_collections", change.hide_collections),
        ("shielded", change.shielded),
    ):
        if value is not None:
            columns[column] = value
    if change.privacy is not None:
        preferences["default_visibility"] = PRIVACY[change.privacy]
    if change.sensitive is not None:
        preferences["default_sensitive"] = change.sensitive
    if change.language is not None:
        preferences["default_language"] = change.language or None
    await user_preferences.update(conn, actor.id, **preferences)
    return await actors_db.update_local_profile(conn, actor.id, **columns)
