"""Inbox overload protection: while too many received activities wait, new ones are turned away.

Senders retry a 503 later (Retry-After), so shedding load at the door loses nothing, whereas
storing without bound would let one flood delay every activity behind it for hours.
"""

import asyncio
import time
from collections.abc import Callable
from typing import Any

from fedi.db import inbox_items

RETRY_AFTER_SECONDS = 60
# The backlog is counted at most this often per process, not once per request.
CACHE_SECONDS = 2.0


class BacklogGate:
    """Knows, to within CACHE_SECONDS, whether the inbox backlog is over `limit`."""

    def __init__(
        self,
        pool: Any,
        limit: int,
        *,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pool = pool
        self.limit = limit
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._backlog: int | None = None
        self._counted_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._backlog is not None and self.clock() - self._counted_at < self.cache_seconds

    async def backlog(self) -> int:
        """Pending items, counted up to one past the limit (enough to decide)."""
        if not self._fresh():
            # One request counts; the others arriving meanwhile wait for its answer.
            async with self._lock:
                if not self._fresh():
                    async with self.pool.acquire() as conn:
                        self._backlog = await inbox_items.count_pending(conn, cap=self.limit + 1)
                    self._counted_at = self.clock()
        assert self._backlog is not None
        return self._backlog

    async def overloaded(self) -> bool:
        return await self.backlog() > self.limit
