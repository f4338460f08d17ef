"""The outbound chokepoint for confidentiality: nothing that names a confidential object leaves.

Confidential objects are confidential groups (and everything under their URI: members,
spaces, collections), confidential spaces, and posts that are confidential or local-only. Two
checks use the same rule, "does this document or URL name one of them":

- `refuse_confidential(conn, document)` runs in the transaction that queues an activity
  (outbox `send`), against the database itself, so it sees what that transaction just wrote.
- `ConfidentialRegistry` is each process's in-memory set of those URIs for the outbound client's
  synchronous guard, which sees every request body and URL, deliveries and fetches alike. It is
  fed by NOTIFY (migration 0015) with each URI that becomes confidential, and fully reloaded
  every minute, on reconnecting, and as soon as something stops being confidential (an empty
  notice), so that a group opened to everyone federates at once; a stale entry only makes it
  stricter meanwhile.
"""

import asyncio
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from fedi.db import groups as groups_db
from fedi.db.notice_listener import NoticeListener
from fedi.errors import Forbidden

CHANNEL = "fedi_confidential"
# The notice that something is no longer confidential: reload, rather than trust a removal.
RELOAD_NOTICE = ""
RELOAD_SECONDS = 60.0
# Where a URI embedded in JSON, HTML or a query string ends: at a quote, a bracket, white
# space, a backslash (a JSON escape) or `&` (an HTML entity such as &quot;, or the next query
# parameter; none of this node's URIs has one in its path).
_URI_END = r"[^\s\"'<>\\&]*"
# The same in JSON that escapes slashes: `\/` continues a URI, any other backslash ends it.
_ESCAPED_URI_END = r"(?:[^\s\"'<>\\&]|\\/)*"
# Trailing characters that end a sentence or a bracket around a URI in text, never a URI of ours.
_TRAILING = "/.,;:!?)]}*"


class ConfidentialLeak(Forbidden):
    """Something tried to send a confidential object to another node."""


def local_uris(text: str, base_url: str) -> set[str]:
    """Every URI of this node in a text (a JSON body, an HTML fragment, a URL)."""
    # Scheme and host are case-insensitive: HTTPS://FEDI.EXAMPLE/... is the same URI.
    found = {
        base_url + raw[len(base_url) :]
        for raw in re.findall(re.escape(base_url) + _URI_END, text, re.IGNORECASE)
    }
    # JSON may escape the slashes of a URL.
    escaped_base = base_url.replace("/", "\\/")
    if escaped_base.lower() in text.lower():
        for raw in re.findall(re.escape(escaped_base) + _ESCAPED_URI_END, text, re.IGNORECASE):
            found.add(base_url + raw[len(escaped_base) :].replace("\\/", "/"))
    # A URI may travel percent-encoded, as a query parameter of another URL.
    if "%" in text:
        decoded = unquote(text)
        if decoded != text:
            found |= local_uris(decoded, base_url)
    return found


def candidates(uri: str, base_url: str) -> Iterator[str]:
    """The URI and each of its ancestors below the base URL: a confidential group's URI
    makes everything under it confidential."""
    for separator in ("#", "?"):
        uri = uri.split(separator, 1)[0]
    uri = uri.rstrip(_TRAILING)
    while len(uri) > len(base_url):
        yield uri
        uri = uri.rsplit("/", 1)[0]


def base_url_of(uri: str) -> str:
    """The base URL (scheme and authority) of a URI this node minted."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def _document_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)


async def refuse_confidential(conn: Any, document: Any, base_url: str) -> None:
    """Raise ConfidentialLeak when the document names any confidential object of this node."""
    uris = local_uris(_document_text(document), base_url)
    wanted = sorted({c for uri in uris for c in candidates(uri, base_url)})
    found = await groups_db.confidential_among(conn, wanted)
    if found:
        raise ConfidentialLeak(f"refused to send a document naming confidential {found[0]}")


class ConfidentialRegistry:
    """This process's set of confidential URIs, for the synchronous outbound guard."""

    def __init__(self, pool: Any, base_url: str, *, reload_seconds: float = RELOAD_SECONDS) -> None:
        self._pool = pool
        self._base_url = base_url
        self._uris: set[str] = set()
        # One set per reload under way, collecting what is heard while it loads.
        self._loading: list[set[str]] = []
        self._listener = NoticeListener(
            pool,
            CHANNEL,
            on_notice=self._heard,
            # Through the pool, as any other reload: the LISTEN connection only listens.
            reload=lambda _listening_conn: self.reload(),
            reload_seconds=reload_seconds,
            name="confidential registry",
        )

    @property
    def listening(self) -> asyncio.Event:
        return self._listener.listening

    def add(self, uris: Iterable[str]) -> None:
        for uri in uris:
            self._heard(uri)

    def __contains__(self, uri: str) -> bool:
        return uri in self._uris

    def refusal(self, url: str, body: bytes | None) -> str | None:
        """Why a request may not be made (it names a confidential object), or None."""
        texts = [url] if body is None else [url, body.decode("utf-8", errors="replace")]
        for text in texts:
            for uri in local_uris(text, self._base_url):
                for candidate in candidates(uri, self._base_url):
                    if candidate in self._uris:
                        return f"it names the confidential {candidate}"
        return None

    async def reload(self) -> None:
        heard: set[str] = set()
        self._loading.append(heard)
        try:
            async with self._pool.acquire() as conn:
                uris = await groups_db.confidential_uris(conn)
        finally:
            self._loading.remove(heard)
        # What was heard while loading may have committed after the load's snapshot: keep it.
        # Each reload has its own set, so that two reloads at once (the periodic one and one
        # after reconnecting, say) cannot make each other forget what they heard.
        self._uris = set(uris) | heard

    async def start(self) -> None:
        await self.reload()
        self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()

    def _heard(self, payload: str) -> None:
        if payload == RELOAD_NOTICE:
            self._listener.wake()
            return
        self._uris.add(payload)
        for heard in self._loading:
            heard.add(payload)
