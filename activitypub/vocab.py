"""ActivityStreams vocabulary: context URLs, media types, and parsing of remote actors."""

import re
from dataclasses import dataclass
from typing import Any

from activitypub.errors import ActivityPubError
from activitypub.hosts import InvalidHost, host_of

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"
LD_JSON = f'application/ld+json; profile="{AS_CONTEXT}"'
ACTOR_TYPES = frozenset({"Person", "Group", "Application", "Service", "Organization"})
MAX_NAME = 2_000
MAX_SUMMARY = 20_000


class InvalidDocument(ActivityPubError):
    """A remote document that does not have the shape we require."""


@dataclass(frozen=True)
class RemoteActor:
    id: str
    type: str
    preferred_username: str
    name: str
    summary: str
    inbox: str
    outbox: str | None
    followers: str | None
    following: str | None
    shared_inbox: str | None
    url: str | None
    icon_url: str | None
    manually_approves_followers: bool
    discoverable: bool
    key_id: str
    public_key_pem: str


def first(value: Any) -> Any:
    """ActivityStreams allows a scalar or a list wherever one value is expected."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def id_of(value: Any) -> str | None:
    """An embedded object counts as its id."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _text(doc: dict[str, Any], key: str, limit: int) -> str:
    value = first(doc.get(key))
    if not isinstance(value, str):
        return ""
    return value[:limit]


def _same_host_url(doc_id: str, value: Any, field: str, *, required: bool = False) -> str | None:
    url = id_of(value)
    if url is None:
        if required:
            raise InvalidDocument(f"actor {doc_id} has no {field}")
        return None
    try:
        host_of(url)
    except InvalidHost as exc:
        raise InvalidDocument(f"actor {doc_id} has an invalid {field}: {exc}") from exc
    return url


def parse_actor(doc: dict[str, Any]) -> RemoteActor:
    """Validate a fetched actor document: its key must be its own and live on its host."""
    actor_id = doc.get("id")
    if not isinstance(actor_id, str):
        raise InvalidDocument("actor document has no id")
    try:
        actor_host = host_of(actor_id)
    except InvalidHost as exc:
        raise InvalidDocument(f"actor id {actor_id!r} is not an http(s) URL") from exc
    actor_type = first(doc.get("type"))
    if actor_type not in ACTOR_TYPES:
        raise InvalidDocument(f"{actor_id} is a {actor_type!r}, not an actor")
    username = first(doc.get("preferredUsername"))
    if not isinstance(username, str) or not username or len(username) > 255:
        raise InvalidDocument(f"actor {actor_id} has no usable preferredUsername")
    key = first(doc.get("publicKey"))
    if not isinstance(key, dict):
        raise InvalidDocument(f"actor {actor_id} has no publicKey")
    key_id, owner, pem = key.get("id"), id_of(key.get("owner")), key.get("publicKeyPem")
    if not isinstance(key_id, str) or not isinstance(pem, str) or "PUBLIC KEY" not in pem:
        raise InvalidDocument(f"actor {actor_id} has an incomplete publicKey")
    if owner is not None and owner != actor_id:
        raise InvalidDocument(f"the key of {actor_id} is owned by {owner}")
    try:
        if host_of(key_id) != actor_host:
            raise InvalidDocument(f"the key of {actor_id} lives on another host: {key_id}")
    except InvalidHost as exc:
        raise InvalidDocument(f"actor {actor_id} has an invalid key id {key_id!r}") from exc
    endpoints = doc.get("endpoints")
    shared_inbox = endpoints.get("sharedInbox") if isinstance(endpoints, dict) else None
    return RemoteActor(
        id=actor_id,
        type=actor_type,
        preferred_username=username,
        name=_text(doc, "name", MAX_NAME),
        summary=_text(doc, "summary", MAX_SUMMARY),
        inbox=_same_host_url(actor_id, doc.get("inbox"), "inbox", required=True) or "",
        outbox=_same_host_url(actor_id, doc.get("outbox"), "outbox"),
        followers=_same_host_url(actor_id, doc.get("followers"), "followers"),
        following=_same_host_url(actor_id, doc.get("following"), "following"),
        shared_inbox=_same_host_url(actor_id, shared_inbox, "sharedInbox"),
        url=_same_host_url(actor_id, doc.get("url"), "url")
        if isinstance(id_of(doc.get("url")), str)
        else None,
        icon_url=_icon_url(doc.get("icon")),
        manually_approves_followers=doc.get("manuallyApprovesFollowers") is True,
        discoverable=doc.get("discoverable") is True,
        key_id=key_id,
        public_key_pem=pem,
    )


def _icon_url(icon: Any) -> str | None:
    icon = first(icon)
    if isinstance(icon, dict):
        icon = first(icon.get("url"))
        if isinstance(icon, dict):
            icon = icon.get("href")
    if isinstance(icon, str) and icon.startswith(("https://", "http://")):
        return icon
    return None


# Bounds on every list a remote controls; a document past one is refused, not truncated.
MAX_RECIPIENTS = 500
MAX_TAGS = 100
MAX_ATTACHMENTS = 20
MAX_CONTENT = 200_000
MAX_LANGUAGES = 20
# A BCP 47 tag's shape; a contentMap key of any other shape is dropped.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,7}$")
# Mastodon keeps Note and Question as they are and converts the rest to a titled post.
NOTE_TYPES = frozenset({"Note", "Question"})
CONVERTED_TYPES = frozenset({"Article", "Page", "Image", "Audio", "Video", "Event"})
POST_TYPES = NOTE_TYPES | CONVERTED_TYPES


def id_list(value: Any, what: str, limit: int = MAX_RECIPIENTS) -> list[str]:
    """A scalar, list, or embedded objects as a list of ids, refusing more than `limit`."""
    items = value if isinstance(value, list) else ([] if value is None else [value])
    if len(items) > limit:
        raise InvalidDocument(f"{what} lists {len(items)} entries; at most {limit} are accepted")
    ids = [id_of(item) for item in items]
    return [item for item in ids if item is not None]


# Kept per post, as Mastodon keeps (more are dropped, not refused); a description's length.
MAX_KEPT_ATTACHMENTS = 16
MAX_ATTACHMENT_NAME = 1_500
MAX_MEDIA_URL = 2_048
ATTACHMENT_TYPES = frozenset({"Document", "Image", "Video", "Audio"})
_BLURHASH = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
)


@dataclass(frozen=True)
class RemoteAttachment:
    """A file a remote post shows, known by its URL only."""

    type: str
    url: str
    media_type: str | None
    name: str
    blurhash: str | None
    width: int | None
    height: int | None
    focal_point: tuple[float, float] | None


def _media_link(value: Any) -> tuple[str, str | None] | None:
    """The first http(s) URL (and its mediaType) of a `url` given as text, Link or list."""
    items = value if isinstance(value, list) else [value]
    links: list[tuple[str, str | None]] = []
    for item in items[:MAX_ATTACHMENTS]:
        href, media_type = (item, None) if isinstance(item, str) else (None, None)
        if isinstance(item, dict):
            href, media_type = item.get("href"), item.get("mediaType")
        if (
            isinstance(href, str)
            and href.startswith(("https://", "http://"))
            and len(href) <= MAX_MEDIA_URL
        ):
            links.append((href, media_type if isinstance(media_type, str) else None))
    # A list of Links usually puts an HTML page first; prefer the file itself.
    files = [link for link in links if not (link[1] or "").startswith("text/")]
    chosen = files or links
    return chosen[0] if chosen else None


def _dimension(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000
    return value if ok else None


def _focal_point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    x, y = float(value[0]), float(value[1])
    return (x, y) if -1.0 <= x <= 1.0 and -1.0 <= y <= 1.0 else None


def parse_attachments(value: Any) -> tuple[RemoteAttachment, ...]:
    """A post's attachments with an http(s) URL; others are skipped, the list is bounded."""
    items = value if isinstance(value, list) else ([] if value is None else [value])
    found: list[RemoteAttachment] = []
    for item in items[:MAX_ATTACHMENTS]:
        if len(found) >= MAX_KEPT_ATTACHMENTS:
            break
        if not isinstance(item, dict) or first(item.get("type")) not in ATTACHMENT_TYPES:
            continue
        link = _media_link(item.get("url"))
        if link is None:
            continue
        media_type = item.get("mediaType")
        media_type = media_type if isinstance(media_type, str) else link[1]
        if media_type is not None and (len(media_type) > 100 or "/" not in media_type):
            media_type = None
        name = first(item.get("name")) or first(item.get("summary"))
        hash_ = item.get("blurhash")
        if not (isinstance(hash_, str) and 6 <= len(hash_) <= 100 and set(hash_) <= _BLURHASH):
            hash_ = None
        found.append(
            RemoteAttachment(
                type=first(item.get("type")),
                url=link[0],
                media_type=media_type,
                name=name[:MAX_ATTACHMENT_NAME] if isinstance(name, str) else "",
                blurhash=hash_,
                width=_dimension(item.get("width")),
                height=_dimension(item.get("height")),
                focal_point=_focal_point(item.get("focalPoint")),
            )
        )
    return tuple(found)


@dataclass(frozen=True)
class RemoteNote:
    id: str
    type: str
    attributed_to: str
    content: str
    content_map: dict[str, str]
    name: str
    summary: str
    sensitive: bool
    in_reply_to: str | None
    published: str | None
    updated: str | None
    url: str | None
    conversation: str | None
    to: list[str]
    cc: list[str]
    mentions: list[str]
    hashtags: list[str]
    attachments: tuple[RemoteAttachment, ...] = ()


def _language_map(value: Any, note_id: str) -> dict[str, str]:
    """A contentMap as language tag -> text, keeping only entries of that shape."""
    if not isinstance(value, dict):
        return {}
    if len(value) > MAX_LANGUAGES:
        raise InvalidDocument(f"{note_id} has {len(value)} languages; at most {MAX_LANGUAGES}")
    return {
        k: v
        for k, v in value.items()
        if isinstance(k, str) and isinstance(v, str) and LANGUAGE_TAG.match(k)
    }


def parse_note(doc: Any) -> RemoteNote:
    """A Note (or Article, Page, Question) with its shape and bounds checked."""
    if not isinstance(doc, dict):
        raise InvalidDocument("the object is not embedded")
    note_id = doc.get("id")
    if not isinstance(note_id, str):
        raise InvalidDocument("the object has no id")
    note_type = first(doc.get("type"))
    if note_type not in POST_TYPES:
        raise InvalidDocument(f"objects of type {note_type!r} are not posts")
    author = id_list(doc.get("attributedTo"), "attributedTo", 5)
    if not author:
        raise InvalidDocument(f"{note_id} has no attributedTo")
    content = first(doc.get("content"))
    content = content if isinstance(content, str) else ""
    content_map = _language_map(doc.get("contentMap"), note_id)
    if not content and content_map:
        content = next(iter(content_map.values()))
    if len(content) > MAX_CONTENT or sum(len(v) for v in content_map.values()) > MAX_CONTENT:
        raise InvalidDocument(f"{note_id} is longer than {MAX_CONTENT} characters")
    tags = doc.get("tag")
    tag_items = tags if isinstance(tags, list) else ([] if tags is None else [tags])
    if len(tag_items) > MAX_TAGS:
        raise InvalidDocument(f"{note_id} has {len(tag_items)} tags; at most {MAX_TAGS}")
    attachments = doc.get("attachment")
    if isinstance(attachments, list) and len(attachments) > MAX_ATTACHMENTS:
        raise InvalidDocument(
            f"{note_id} has {len(attachments)} attachments; at most {MAX_ATTACHMENTS}"
        )
    mentions, hashtags = [], []
    for tag in tag_items:
        if not isinstance(tag, dict):
            continue
        kind = first(tag.get("type"))
        if kind == "Mention" and isinstance(tag.get("href"), str):
            mentions.append(tag["href"])
        elif kind == "Hashtag" and isinstance(tag.get("name"), str):
            hashtags.append(tag["name"].lstrip("#")[:100])
    name = first(doc.get("name"))
    summary = first(doc.get("summary"))
    url = doc.get("url")
    url_value = id_of(url) if not (isinstance(url, dict) and "href" in url) else url.get("href")
    conversation = doc.get("conversation") or doc.get("context")
    return RemoteNote(
        id=note_id,
        type=note_type,
        attributed_to=author[0],
        content=content,
        content_map=content_map,
        name=name[:MAX_NAME] if isinstance(name, str) else "",
        summary=summary[:MAX_NAME] if isinstance(summary, str) else "",
        sensitive=doc.get("sensitive") is True,
        in_reply_to=id_of(doc.get("inReplyTo")),
        published=doc.get("published") if isinstance(doc.get("published"), str) else None,
        updated=doc.get("updated") if isinstance(doc.get("updated"), str) else None,
        url=url_value if isinstance(url_value, str) else None,
        conversation=conversation if isinstance(conversation, str) else None,
        to=id_list(doc.get("to"), "to"),
        cc=id_list(doc.get("cc"), "cc"),
        mentions=mentions,
        hashtags=hashtags,
        attachments=parse_attachments(attachments),
    )
