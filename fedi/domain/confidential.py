"""The outbound chokepoint for confidentiality: nothing that names a confidential object leaves.

Confidential objects are confidential groups (and everything under their URI: members,
spaces, collections), confidential spaces, and posts that are confidential or local-only. Two
checks use the same rule, "does this document or URL name one of them":

- `refuse_confidential(conn, document)` runs in the transaction that queues an activity
  (outbox `send`), against the database itself, so it sees what that transaction just wrote.
- `ConfidentialRegistry` is each process's in-memory set of those URIs for the outbound client's
  synchronous guard, which sees every request body and URL, deliveries and fetches alike. It is
  fed by NOTIFY (migration 0015) with each URI that becomes confidential and fully reloaded
  every minute and on reconnecting; a stale entry only makes it stricter.
"""

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from fedi.db import groups as groups_db
from fedi.errors import Forbidden

log = logging.getLogger(__name__)

CHANNEL = "fedi_confidential"
RELOAD_SECONDS = 60.0
MAX_RECONNECT_PAUSE = 30.0
# Where a URI embedded in JSON, HTML or a query string ends.
_URI_END = r"[^\s\"'<>\\]*"


class ConfidentialLeak(Forbidden):
    """Something tried to send a confidential object to another node."""


def local_uris(text: str, base_url: str) -> set[str]:
    """Every URI of this node in a text (a JSON body, an HTML fragment, a URL)."""
    found = set(re.findall(re.escape(base_url) + _URI_END, text))
    # JSON may escape the slashes of a URL.
    escaped_base = base_url.replace("/", "\\/")
    if escaped_base in text:
        for raw in re.findall(re.escape(escaped_base) + r"[^\s\"'<>]*", text):
            found.add(raw.replace("\\/", "/"))
    return found


def candidates(uri: str, base_url: str) -> Iterator[str]:
    """The URI and each of its ancestors below the base URL: a confidential group's URI
    makes everything under it confidential."""
    for separator in ("#", "?"):
        uri = uri.split(separator, 1)[0]
    uri = uri.rstrip("/")
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
        self._reload_seconds = reload_seconds
        self._uris: set[str] = set()
        self._heard_during_load: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.listening = asyncio.Event()

    def add(self, uris: Iterable[str]) -> None:
        self._uris.update(uris)

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
        self._heard_during_load = set()
        async with self._pool.acquire() as conn:
            uris = await groups_db.confidential_uris(conn)
        # What was heard while loading may have committed after the load's snapshot: keep it.
        self._uris = set(uris) | self._heard_during_load

    async def start(self) -> None:
        await self.reload()
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="confidential-listen")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._uris.add(payload)
        self._heard_during_load.add(payload)

    async def _listen(self) -> None:
        pause = 0.5
        while not self._stopping:
            conn = None
            try:
                pool = self._pool
                conn = await asyncpg.connect(*pool._connect_args, **pool._connect_kwargs)
                lost = asyncio.Event()
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(CHANNEL, self._heard)
                self.listening.set()
                pause = 0.5
                await self.reload()  # whatever became confidential while nobody listened
                while not lost.is_set() and not self._stopping:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._reload_seconds):
                            await lost.wait()
                    if not lost.is_set() and not self._stopping:
                        await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("confidential registry: LISTEN failed; retrying in %.1f s", pause)
            finally:
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=5))
            if self._stopping:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RECONNECT_PAUSE)


def _setter(event: asyncio.Event) -> Any:
    return lambda _conn: event.set()
