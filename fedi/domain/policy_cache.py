"""Each process's in-memory copy of the domain policy, for checks that cannot wait on the database.

The outbound guard runs synchronously before every request, and the inbox gate runs before
anything else on every POST; both read this copy. It is kept fresh by PostgreSQL NOTIFY:
migration 0011 notifies `fedi_domain_policy` at the commit of any change to the policy tables,
from whichever process made it, and the copy is reloaded on hearing it (a few milliseconds after
the commit). The LISTEN connection is the process's own, outside the pool; after losing it the
copy is reloaded on reconnecting, and it is reloaded every `reload_seconds` regardless, so a
missed notification cannot leave it stale for longer than that.

The durable paths do not rely on the copy alone: deliveries are never queued for a refused
domain and queued ones are given up in the transaction that refuses it, and the resolver asks
the database before fetching. The copy is the last chokepoint, for requests already under way.
"""

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from fedi.db.domain_policy import CHANNEL
from fedi.domain.policy import PolicySnapshot, load_snapshot

log = logging.getLogger(__name__)

RELOAD_SECONDS = 60.0
MAX_RECONNECT_PAUSE = 30.0


class PolicyCache:
    def __init__(self, pool: Any, *, reload_seconds: float = RELOAD_SECONDS) -> None:
        self._pool = pool
        self._reload_seconds = reload_seconds
        self._snapshot = PolicySnapshot()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Loads overlap (a refresh while the listener reloads): each takes a ticket when it
        # starts, and one that finishes after a later-started load was applied is dropped, so
        # an older reading never replaces a newer one.
        self._issued = 0
        self._applied = 0
        self.listening = asyncio.Event()
        # Set by stop(): the listener checks it as well as being cancelled, because on Python
        # 3.11 a cancel that lands as wait_for's inner wait completes can be swallowed.
        self._stopping = False

    @property
    def snapshot(self) -> PolicySnapshot:
        return self._snapshot

    def may_federate(self, host: str) -> bool:
        return self._snapshot.may_federate(host)

    def refusal(self, host: str) -> str | None:
        """Why this node does not federate with `host` (None: it does)."""
        return self._snapshot.refusal(host)

    async def refresh(self) -> PolicySnapshot:
        """Reload now, for a caller that has just changed the policy in this process."""
        async with self._pool.acquire() as conn:
            await self._load(conn)
        return self._snapshot

    async def _load(self, conn: Any) -> None:
        self._issued += 1
        ticket = self._issued
        # One snapshot of the database for all the tables the policy reads.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await load_snapshot(conn)
        if ticket > self._applied:
            self._applied = ticket
            self._snapshot = snapshot

    async def start(self) -> None:
        """Load the policy, then keep it fresh in the background until stop()."""
        await self.refresh()
        if self._task is None:
            self._task = asyncio.create_task(self._listen(), name="domain-policy-listen")

    async def stop(self) -> None:
        self._stopping = True
        self._changed.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _connect(self) -> Any:
        # The pool's own connection settings, for a connection the pool does not manage: a
        # LISTEN must outlive any one use and must not hold a slot of the pool.
        return await asyncpg.connect(*self._pool._connect_args, **self._pool._connect_kwargs)

    async def _listen(self) -> None:
        pause = 0.5
        while not self._stopping:
            conn = None
            lost = False

            def closed(_conn: Any) -> None:
                nonlocal lost
                lost = True
                self._changed.set()

            try:
                conn = await self._connect()
                conn.add_termination_listener(closed)
                await conn.add_listener(CHANNEL, self._heard)
                self.listening.set()
                pause = 0.5
                # Whatever changed while nobody listened is read now.
                self._changed.set()
                while not lost and not self._stopping:
                    # asyncio.timeout rather than wait_for, which in 3.11 may swallow a cancel.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._reload_seconds):
                            await self._changed.wait()
                    self._changed.clear()
                    if lost or self._stopping:
                        break
                    await self._load(conn)
                if lost:
                    log.warning("domain policy: the LISTEN connection was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "domain policy: could not LISTEN or reload; retrying in %.1f s", pause
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

    def _heard(self, _conn: Any, _pid: int, _channel: str, _payload: str) -> None:
        self._changed.set()
