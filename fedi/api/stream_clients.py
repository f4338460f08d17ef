"""What one streaming client asked for and is owed: its channels and a bounded queue of frames.

Channel names and their rules are Mastodon's (docs.joinmastodon.org/methods/streaming): since
Mastodon 4.2 every stream needs a user token; `user` needs read:statuses and
`user:notification` read:notifications, while the public and hashtag streams need no scope.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from fedi.api.auth import scope_allows
from fedi.db.actors import Actor
from fedi.errors import FediError

# Frames waiting for one client; a client this far behind is cut off, not waited for.
FRAME_LIMIT = 256
# Channels one WebSocket may hold at once.
MAX_CHANNELS = 32
MAX_TAG_LENGTH = 100

# Each public stream: (only local posts, only remote posts, only posts with media).
PUBLIC_STREAMS = {
    "public": (False, False, False),
    "public:media": (False, False, True),
    "public:local": (True, False, False),
    "public:local:media": (True, False, True),
    "public:remote": (False, True, False),
    "public:remote:media": (False, True, True),
}
HASHTAG_STREAMS = {"hashtag": False, "hashtag:local": True}
USER_STREAMS = {"user": "read:statuses", "user:notification": "read:notifications"}


class StreamRefused(FediError):
    """A subscription that cannot be made; the message is what the client is told."""

    status = 400


class ScopeRefused(StreamRefused):
    status = 401


class SubscriberClosed(Exception):
    """The client was cut off (too slow) or the server is stopping."""


@dataclass(frozen=True)
class Channel:
    name: str
    # Lower-cased and without its `#`, as post_tags stores it.
    tag: str | None = None
    # The tag as the client wrote it, echoed back in each event's `stream`.
    shown_tag: str | None = field(default=None, compare=False)

    @property
    def label(self) -> list[str]:
        return [self.name] if self.shown_tag is None else [self.name, self.shown_tag]

    @property
    def is_user(self) -> bool:
        return self.name in USER_STREAMS


def channel_for(name: str | None, tag: str | None, scopes: Iterable[str] | None) -> Channel:
    """The channel a client named; `scopes` None skips the scope check (to unsubscribe)."""
    name = (name or "").strip()
    if name in USER_STREAMS:
        if scopes is not None and not any(
            scope_allows(list(scopes), s) for s in ("read", USER_STREAMS[name])
        ):
            raise ScopeRefused("Access token does not cover required scopes")
        return Channel(name)
    if name in PUBLIC_STREAMS:
        return Channel(name)
    if name in HASHTAG_STREAMS:
        shown = (tag or "").strip()
        normalized = shown.lstrip("#").lower()
        if not normalized:
            raise StreamRefused("No tag for stream provided")
        if len(normalized) > MAX_TAG_LENGTH:
            raise StreamRefused(f"A tag has at most {MAX_TAG_LENGTH} characters")
        return Channel(name, normalized, shown)
    if name == "list":
        raise StreamRefused("Not authorized to stream this list")
    raise StreamRefused("Unknown stream type")


@dataclass(frozen=True)
class Frame:
    """One event for one channel, its payload already rendered for the client's account."""

    stream: list[str]
    event: str
    payload: str


@dataclass(frozen=True)
class Notice:
    """An error told to a WebSocket client about one of its own messages."""

    error: str


class Subscriber:
    """One connected client: the account it streams as and the channels it listens to."""

    def __init__(self, viewer: Actor, scopes: Iterable[str], *, limit: int = FRAME_LIMIT) -> None:
        self.viewer = viewer
        self.scopes = frozenset(scopes)
        self.channels: dict[Channel, Channel] = {}
        self.closed = False
        self.overflowed = False
        self._queue: asyncio.Queue[Frame | Notice | None] = asyncio.Queue(limit)

    @property
    def sees_notifications(self) -> bool:
        """The user stream carries notifications only for a token that may read them."""
        return scope_allows(self.scopes, "read") or scope_allows(self.scopes, "read:notifications")

    def subscribe(self, channel: Channel) -> None:
        if channel not in self.channels and len(self.channels) >= MAX_CHANNELS:
            raise StreamRefused(f"At most {MAX_CHANNELS} streams on one connection")
        self.channels[channel] = channel

    def unsubscribe(self, channel: Channel) -> None:
        self.channels.pop(channel, None)

    def offer(self, item: Frame | Notice) -> None:
        """Queue without waiting; a client whose queue is full is cut off."""
        if self.closed:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # Wakes a reader waiting on an empty queue; a full queue wakes it by itself.
        try:
            self._queue.put_nowait(None)
        except asyncio.QueueFull:
            pass

    async def next(self, within: float | None = None) -> Frame | Notice | None:
        """The next item, or None when `within` seconds pass without one."""
        if self.closed:
            raise SubscriberClosed
        try:
            item = await asyncio.wait_for(self._queue.get(), within)
        except TimeoutError:
            return None
        if item is None or self.closed:
            raise SubscriberClosed
        return item
