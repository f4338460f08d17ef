"""One LISTEN connection per process, and the fan-out of what it hears to streaming clients.

Migration 0009 makes PostgreSQL NOTIFY `fedi_stream` on every change a stream shows, from
whichever process made it. The hub listens on a connection of its own (LISTEN must outlive
any one request, and must not hold a slot of the pool), opened when the first client subscribes
and closed when the app shuts down; it reconnects after losing it. One task reads the events in
order and hands each client its frames. Nothing waits for a slow client: events beyond the
backlog are dropped, and a client whose queue is full is cut off (clients reconnect and reload).
"""

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
import orjson

from fedi.api.stream_clients import Subscriber
from fedi.api.stream_events import deliveries_for
from fedi.urls import Urls

log = logging.getLogger(__name__)

CHANNEL = "fedi_stream"
# Events heard but not yet handed out; more than this and new ones are dropped.
EVENT_BACKLOG = 1_000
# How long the first subscriber waits for LISTEN to be in place before going on regardless.
LISTEN_WAIT_SECONDS = 10.0
MAX_RECONNECT_PAUSE = 30.0


class StreamHub:
    def __init__(self, pool: Any, urls: Urls, *, backlog: int = EVENT_BACKLOG) -> None:
        self._pool = pool
        self._urls = urls
        self._subscribers: set[Subscriber] = set()
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue(backlog)
        self._listening = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._start = asyncio.Lock()
        self.dropped_events = 0

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def join(self, subscriber: Subscriber) -> None:
        """Start handing events to the subscriber; returns once LISTEN is in place."""
        if self._stopping.is_set():
            subscriber.close()
            return
        self._subscribers.add(subscriber)
        await self._ensure_started()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), LISTEN_WAIT_SECONDS)

    def leave(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        subscriber.close()

    def close_streams(self) -> None:
        """End every client's stream and take no more: call it when the server begins to stop.

        The ASGI server waits for open responses before it runs the app's shutdown, and a
        server-sent-events response never ends by itself.
        """
        self._stopping.set()
        for subscriber in list(self._subscribers):
            subscriber.close()
        self._subscribers.clear()

    async def stop(self) -> None:
        """Close every client's stream and the LISTEN connection."""
        self.close_streams()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _ensure_started(self) -> None:
        async with self._start:
            if not self._tasks and not self._stopping.is_set():
                self._tasks = [
                    asyncio.create_task(self._listen(), name="stream-hub-listen"),
                    asyncio.create_task(self._dispatch(), name="stream-hub-dispatch"),
                ]

    async def _connect(self) -> Any:
        # The pool's own connection settings, for a connection the pool does not manage.
        return await asyncpg.connect(*self._pool._connect_args, **self._pool._connect_kwargs)

    async def _listen(self) -> None:
        pause = 0.5
        while not self._stopping.is_set():
            lost = asyncio.Event()
            conn = None
            try:
                conn = await self._connect()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._heard)
                self._listening.set()
                pause = 0.5
                await lost.wait()
                log.warning("stream hub: the LISTEN connection was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("stream hub: could not LISTEN; retrying in %.1f s", pause)
            finally:
                self._listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=5))
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RECONNECT_PAUSE)

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if not self._subscribers:
            return
        try:
            event = orjson.loads(payload)
        except orjson.JSONDecodeError:
            log.warning("stream hub: ignoring a payload that is not JSON: %.100r", payload)
            return
        if not isinstance(event, dict):
            return
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped_events += 1
            log.warning("stream hub: %d events behind; dropping one", self._events.qsize())

    async def _dispatch(self) -> None:
        while True:
            event = await self._events.get()
            subscribers = [s for s in self._subscribers if not s.closed]
            if not subscribers:
                continue
            try:
                async with self._pool.acquire() as conn:
                    deliveries = await deliveries_for(conn, self._urls, event, subscribers)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("stream hub: could not hand out %r", event)
                continue
            for subscriber, frame in deliveries:
                subscriber.offer(frame)
