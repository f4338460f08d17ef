"""A process's own LISTEN connection that keeps an in-memory copy of some tables fresh.

The connection lives outside the pool: a LISTEN must outlive any one use and must not hold a
slot of the pool. After connecting (and after every reconnect, since notices sent meanwhile
are lost) the copy is reloaded; then again whenever `wake()` is called (usually from the notice
handler) and every `reload_seconds` regardless, so a missed notice cannot leave it stale for
longer than that.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

MAX_RECONNECT_PAUSE = 30.0


class NoticeListener:
    def __init__(
        self,
        pool: Any,
        channel: str,
        *,
        on_notice: Callable[[str], None],
        reload: Callable[[Any], Awaitable[None]],
        reload_seconds: float,
        name: str,
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._on_notice = on_notice
        self._reload = reload
        self._reload_seconds = reload_seconds
        self._name = name
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Set by stop(): the loop checks it as well as being cancelled, because on Python 3.11
        # a cancel that lands as a timeout's inner wait completes can be swallowed.
        self._stopping = False
        self.listening = asyncio.Event()

    def wake(self) -> None:
        """Reload soon, before the periodic reload is due."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notice(payload)

    async def _run(self) -> None:
        pause = 0.5
        while not self._stopping:
            conn = None
            lost = False

            def closed(_conn: Any) -> None:
                nonlocal lost
                lost = True
                self._wake.set()

            try:
                pool = self._pool
                conn = await asyncpg.connect(*pool._connect_args, **pool._connect_kwargs)
                conn.add_termination_listener(closed)
                await conn.add_listener(self._channel, self._heard)
                self.listening.set()
                pause = 0.5
                # Whatever changed while nobody listened is read now.
                self._wake.set()
                while not lost and not self._stopping:
                    # asyncio.timeout rather than wait_for, which in 3.11 may swallow a cancel.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._reload_seconds):
                            await self._wake.wait()
                    # Cleared before reloading: a notice heard during the reload wakes it again.
                    self._wake.clear()
                    if lost or self._stopping:
                        break
                    await self._reload(conn)
                if lost:
                    log.warning("%s: the LISTEN connection was lost; reconnecting", self._name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "%s: could not LISTEN or reload; retrying in %.1f s", self._name, pause
                )
            finally:
                self.listening.clear()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(conn.close(timeout=5))
            if self._stopping:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_RECONNECT_PAUSE)
