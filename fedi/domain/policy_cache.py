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
from typing import Any

from fedi.db.domain_policy import CHANNEL
from fedi.db.notice_listener import NoticeListener
from fedi.domain.policy import PolicySnapshot, load_snapshot

RELOAD_SECONDS = 60.0


class PolicyCache:
    def __init__(self, pool: Any, *, reload_seconds: float = RELOAD_SECONDS) -> None:
        self._pool = pool
        self._snapshot = PolicySnapshot()
        # Loads overlap (a refresh while the listener reloads): each takes a ticket when it
        # starts, and one that finishes after a later-started load was applied is dropped, so
        # an older reading never replaces a newer one.
        self._issued = 0
        self._applied = 0
        self._listener = NoticeListener(
            pool,
            CHANNEL,
            on_notice=lambda _payload: self._listener.wake(),
            reload=self._load,
            reload_seconds=reload_seconds,
            name="domain policy",
        )

    @property
    def listening(self) -> asyncio.Event:
        return self._listener.listening

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
        self._listener.start()

    async def stop(self) -> None:
        await self._listener.stop()
