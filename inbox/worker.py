"""The inbox worker: claims stored activities and runs each one's handler in one transaction."""

import asyncio
import contextlib
import importlib
import inspect
import logging
from collections.abc import Callable
from typing import Any, cast

from activitypub.errors import ActivityPubError
from fedi.config import Settings
from fedi.db import actors as actors_db
from fedi.db import inbox_items
from fedi.db.actors import Actor
from fedi.db.inbox_items import InboxItem
from fedi.urls import Urls
from inbox.dispatch import handler_for, load_handlers
from inbox.handlers import HandlerContext, Refused
from webfinger.resolver import RemoteResolver

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 10.0
RETRY_FACTOR = 4.0
RETRY_CAP_SECONDS = 86_400.0
# After a database failure the worker waits 1, 2, 4 ... up to this many seconds.
MAX_ERROR_PAUSE_SECONDS = 60.0

Normaliser = Callable[[dict[str, Any]], Any]


def retry_delay(attempts: int) -> float:
    """Seconds before the next try of an item that has failed `attempts` times."""
    return min(RETRY_BASE_SECONDS * RETRY_FACTOR ** max(attempts - 1, 0), RETRY_CAP_SECONDS)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _load_normaliser() -> Normaliser | None:
    # activitypub.jsonld may not exist yet in every checkout; without it documents pass as is.
    try:
        module = importlib.import_module("activitypub.jsonld")
    except ModuleNotFoundError as exc:
        if exc.name != "activitypub.jsonld":
            raise
        return None
    return cast(Normaliser, module.normalise)


class InboxWorker:
    """Processes inbox items; any number of these may run against one database.

    An attempt is counted when an item is claimed, so an item whose processing kills the
    worker outright still reaches max_attempts and is parked instead of looping forever.
    """

    def __init__(
        self,
        pool: Any,
        resolver: RemoteResolver,
        settings: Settings,
        urls: Urls,
        *,
        batch: int = 50,
        lease_seconds: float = 120,
        max_attempts: int = 5,
        idle_poll_seconds: float = 5.0,
        handler_timeout_seconds: float = 60.0,
    ) -> None:
        self.pool = pool
        self.resolver = resolver
        self.settings = settings
        self.urls = urls
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.idle_poll_seconds = idle_poll_seconds
        # Below the lease, so a hung handler gives up before another worker may re-claim.
        self.handler_timeout_seconds = min(handler_timeout_seconds, lease_seconds / 2)
        # Set once run() is listening for notifications (tests wait on it).
        self.listening = asyncio.Event()
        self._connected = False
        load_handlers()
        self._normalise = _load_normaliser()

    async def run_once(self) -> int:
        """Claim one batch of due items and process each; returns how many were claimed."""
        async with self.pool.acquire() as conn:
            items = await inbox_items.claim(
                conn, batch=self.batch, lease_seconds=self.lease_seconds
            )
        for item in items:
            await self._process(item)
        return len(items)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set: wake on NOTIFY, poll as a fallback, outlive DB outages."""
        failures = 0
        while not stop.is_set():
            self._connected = False
            try:
                await self._listen_and_work(stop)
            except Exception:
                # Count only failures in a row: a connection that worked for a while resets it.
                failures = 1 if self._connected else failures + 1
                pause = min(2.0 ** (failures - 1), MAX_ERROR_PAUSE_SECONDS)
                log.exception("inbox worker: database trouble, retrying in %.0f s", pause)
                await _wait(stop, None, pause)

    async def _listen_and_work(self, stop: asyncio.Event) -> None:
        wake = asyncio.Event()

        def on_notify(*_: Any) -> None:
            wake.set()

        async with self.pool.acquire() as listener:
            # A dropped connection wakes the loop, which then reconnects instead of idling deaf.
            listener.add_termination_listener(on_notify)
            await listener.add_listener(inbox_items.CHANNEL, on_notify)
            self._connected = True
            self.listening.set()
            try:
                while not stop.is_set():
                    if listener.is_closed():
                        raise ConnectionError("the LISTEN connection closed")
                    # Cleared before claiming: a NOTIFY arriving meanwhile triggers another round.
                    wake.clear()
                    if await self.run_once() >= self.batch:
                        continue
                    await _wait(stop, wake, self.idle_poll_seconds)
            finally:
                self.listening.clear()
                listener.remove_termination_listener(on_notify)
                with contextlib.suppress(Exception):
                    await listener.remove_listener(inbox_items.CHANNEL, on_notify)

    async def _process(self, item: InboxItem) -> None:
        """Run one item; whatever happens, it is recorded and the next item goes on."""
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                # Held to the commit: a worker re-claiming after the lease ran out skips it.
                if not await inbox_items.lock_claimed(conn, item.id, item.attempts):
                    return
                if item.attempts > self.max_attempts:
                    tries = item.attempts - 1
                    await inbox_items.park(
                        conn, item.id, f"gave up after {tries} tries; the last never finished"
                    )
                    return
                await self._attempt(conn, item)
        except Exception as exc:
            # The transaction itself failed (lost connection, failed commit): record the
            # failure on its own; if even that fails, the lease runs out and it comes back.
            log.exception("inbox item %s failed outside its handler", item.id)
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    if await inbox_items.lock_claimed(conn, item.id, item.attempts):
                        await self._retry_or_park(conn, item, exc)
            except Exception:
                log.exception("inbox item %s: could not record the failure", item.id)

    async def _attempt(self, conn: Any, item: InboxItem) -> None:
        try:
            # A savepoint: a failed handler's writes vanish while the item's row stays locked.
            async with conn.transaction():
                note = await self._dispatch(conn, item)
                await inbox_items.mark_done(conn, item.id, note)
        except Refused as exc:
            log.info("inbox item %s refused: %s", item.id, exc)
            await inbox_items.mark_refused(conn, item.id, str(exc) or "refused")
        except Exception as exc:
            log.warning(
                "inbox item %s (%s) failed on try %s: %s",
                item.id,
                item.activity_type,
                item.attempts,
                _describe(exc),
                exc_info=True,
            )
            await self._retry_or_park(conn, item, exc)

    async def _dispatch(self, conn: Any, item: InboxItem) -> str | None:
        """Run the item's handler; returns a note to keep on the item, if any."""
        activity = await self._normalised(item.document)
        activity_type = activity.get("type")
        if not isinstance(activity_type, str):
            activity_type = item.activity_type
        handler = handler_for(activity_type)
        if handler is None:
            return f"ignored: no handler for {activity_type}"
        signer = await self._signer(conn, item)
        context = HandlerContext(conn, self.resolver, self.settings, self.urls, signer)
        async with asyncio.timeout(self.handler_timeout_seconds):
            await handler(context, activity)
        return None

    async def _normalised(self, document: dict[str, Any]) -> dict[str, Any]:
        if self._normalise is None:
            return document
        try:
            result = self._normalise(document)
            if inspect.isawaitable(result):
                result = await result
        except ActivityPubError as exc:
            raise Refused(f"malformed activity: {exc}") from exc
        if not isinstance(result, dict):
            raise Refused("malformed activity: it does not normalise to an object")
        return result

    async def _signer(self, conn: Any, item: InboxItem) -> Actor:
        actor = item.document.get("actor")
        if isinstance(actor, dict):
            actor = actor.get("id")
        signer = await actors_db.by_uri(conn, actor) if isinstance(actor, str) else None
        if signer is None or item.signer_id is None or signer.id != item.signer_id:
            raise Refused("the actor who signed this activity is no longer known")
        return signer

    async def _retry_or_park(self, conn: Any, item: InboxItem, exc: BaseException) -> None:
        error = _describe(exc)
        if item.attempts >= self.max_attempts:
            log.error("inbox item %s parked after %s tries: %s", item.id, item.attempts, error)
            await inbox_items.park(conn, item.id, error)
        else:
            await inbox_items.schedule_retry(conn, item.id, error, retry_delay(item.attempts))


async def _wait(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    """Sleep until `stop` or `wake` is set, or `seconds` pass."""
    waiters = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waiters.append(asyncio.ensure_future(wake.wait()))
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
