"""The delivery worker: claims queued deliveries, signs and POSTs them, records every outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson

from activitypub.client import (
    ActivityPubClient,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    OutboundDeferred,
    OutboundRefused,
    RemoteStatusError,
)
from activitypub.signatures import HttpSignatureAuth
from fedi.db import deliveries as deliveries_db
from fedi.db.deliveries import DeliveryJob, Outcome
from fedi.errors import FediError
from outbox.retry import DEFAULT_POLICY, RetryPolicy, Verdict

logger = logging.getLogger(__name__)

# A send must end this long before its lease does, so its outcome is written while the row is
# still ours; a job left with less than this much sending time is handed back untried.
_LEASE_MARGIN = 10.0
_MAX_ERROR_CHARS = 500
_MAX_ERROR_PAUSE = 60.0
# Expected while the database restarts or the network drops: logged without a traceback.
_CONNECTION_ERRORS = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CannotConnectNowError,
)
# How often a running worker deletes finished rows older than `keep_finished_seconds`.
_PRUNE_INTERVAL = 3600.0
_PRUNE_BATCH = 10_000
# Never poll faster than this, whatever the database says is due.
_MIN_WAIT = 0.05


class DeliveryWorker:
    """Delivers queued activities; any number may run at once, in any number of processes.

    `run_once` drains one batch (for tests and one-shot commands); `run` keeps a steady number
    of sends in flight, so one slow remote holds one slot rather than a whole batch.
    """

    def __init__(
        self,
        pool: Any,
        client: ActivityPubClient,
        *,
        concurrency: int = 16,
        batch: int = 50,
        lease_seconds: int = 120,
        idle_poll_seconds: float = 5.0,
        policy: RetryPolicy = DEFAULT_POLICY,
        error_pause_seconds: float = 1.0,
        keep_finished_seconds: float = 7 * 86_400.0,
    ) -> None:
        if concurrency < 1 or batch < 1:
            raise ValueError("concurrency and batch must be at least 1")
        if lease_seconds <= 2 * _LEASE_MARGIN:
            raise ValueError(f"lease_seconds must exceed {2 * _LEASE_MARGIN:.0f}")
        self._pool = pool
        self._client = client
        self._concurrency = concurrency
        self._batch = batch
        self._lease = float(lease_seconds)
        self._idle_poll = idle_poll_seconds
        self._policy = policy
        self._error_pause = error_pause_seconds
        self._keep_finished = keep_finished_seconds
        self._next_prune = 0.0
        self._slots = asyncio.Semaphore(concurrency)
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._listener_lost = False
        self._healthy = False
        self._tasks: set[asyncio.Task[Outcome]] = set()
        self._finished: list[Outcome] = []

    # --- one batch -------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch, send it, record every outcome; returns how many were claimed."""
        jobs, deadline = await self._claim(self._batch)
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(job, deadline) for job in jobs))
        await self._record(outcomes)
        return len(jobs)

    # --- the long-running loop -------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, waking on NOTIFY, on the poll interval or when a retry
        falls due. Database errors are logged and retried after a growing pause."""
        self._stopping = False
        watcher = asyncio.create_task(stop.wait())
        watcher.add_done_callback(lambda _: self._wakeup.set())
        pause = self._error_pause
        try:
            while not stop.is_set():
                try:
                    await self._serve(stop)
                except Exception as exc:  # the database or its connection; keep going
                    if self._healthy:
                        pause = self._error_pause
                    self._healthy = False
                    logger.warning(
                        "delivery worker: %s; retrying in %.1f s",
                        _describe(exc),
                        pause,
                        exc_info=not isinstance(exc, _CONNECTION_ERRORS),
                    )
                    await _sleep_unless(stop, pause)
                    pause = min(pause * 2, _MAX_ERROR_PAUSE)
            await self._shut_down()
        except asyncio.CancelledError:
            for task in self._tasks:
                task.cancel()
            raise
        finally:
            watcher.cancel()

    async def _serve(self, stop: asyncio.Event) -> None:
        """One session on a dedicated LISTEN connection; returns when `stop` is set."""
        self._listener_lost = False
        async with self._pool.acquire() as listener:
            await listener.add_listener(deliveries_db.CHANNEL, self._on_notify)
            listener.add_termination_listener(self._on_listener_closed)
            try:
                while not stop.is_set():
                    if self._listener_lost:
                        raise ConnectionError("the LISTEN connection was closed")
                    # Cleared before looking at the queue, so a NOTIFY that lands while we look
                    # still wakes the wait below.
                    self._wakeup.clear()
                    await self._flush()
                    more = await self._refill()
                    await self._prune_now_and_then()
                    self._healthy = True
                    if more:
                        continue
                    await self._wait(await self._idle_timeout())
            finally:
                # A connection that died has already been taken back by the pool; leave the
                # error that brought us here to tell the story.
                with contextlib.suppress(asyncpg.InterfaceError):
                    listener.remove_termination_listener(self._on_listener_closed)
                    if not listener.is_closed():
                        await listener.remove_listener(deliveries_db.CHANNEL, self._on_notify)

    async def _refill(self) -> bool:
        """Claim more work when slots are running free; True if the queue may hold more."""
        if len(self._tasks) > self._concurrency:
            return False
        # Up to one full round queued behind the running sends: enough to keep every slot busy,
        # few enough that a queued job starts well within its lease.
        wanted = min(self._batch, 2 * self._concurrency - len(self._tasks))
        jobs, deadline = await self._claim(wanted)
        for job in jobs:
            task = asyncio.create_task(self._attempt(job, deadline))
            self._tasks.add(task)
            task.add_done_callback(self._on_task_done)
        return len(jobs) == wanted

    async def _prune_now_and_then(self) -> None:
        now = asyncio.get_running_loop().time()
        if now < self._next_prune:
            return
        async with self._pool.acquire() as conn:
            pruned = await deliveries_db.prune_finished(
                conn, older_than_seconds=self._keep_finished, limit=_PRUNE_BATCH
            )
        # A full batch means there is more: come back on the next turn of the loop.
        self._next_prune = now + (0.0 if pruned == _PRUNE_BATCH else _PRUNE_INTERVAL)
        if pruned:
            logger.info("delivery worker: pruned %d finished deliveries", pruned)

    async def _idle_timeout(self) -> float:
        if self._tasks:
            return self._idle_poll
        async with self._pool.acquire() as conn:
            due = await deliveries_db.seconds_until_due(conn)
        if due is None:
            return self._idle_poll
        return min(self._idle_poll, max(due, _MIN_WAIT))

    async def _wait(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        except TimeoutError:
            pass

    async def _shut_down(self) -> None:
        """Hand back jobs not yet sent, let the running sends finish, record what we know."""
        self._stopping = True
        if self._tasks:
            await asyncio.wait(self._tasks)
        try:
            await self._flush()
        except Exception as exc:
            # The rows stay leased; they are sent again once the lease runs out.
            logger.warning("delivery worker: outcomes not recorded at stop: %s", _describe(exc))

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        self._wakeup.set()

    def _on_listener_closed(self, conn: Any) -> None:
        self._listener_lost = True
        self._wakeup.set()

    def _on_task_done(self, task: asyncio.Task[Outcome]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            self._finished.append(task.result())
        # Waking for every finished send would cost a round trip each; wake once slots free up.
        if len(self._tasks) <= self._concurrency:
            self._wakeup.set()

    async def _flush(self) -> None:
        if not self._finished:
            return
        outcomes = self._finished
        self._finished = []
        try:
            await self._record(outcomes)
        except BaseException:
            self._finished[:0] = outcomes
            raise

    # --- shared by both modes --------------------------------------------------------------

    async def _claim(self, limit: int) -> tuple[list[DeliveryJob], float]:
        # The deadline is taken before asking, so it can only be earlier than the real lease.
        deadline = asyncio.get_running_loop().time() + self._lease - _LEASE_MARGIN
        async with self._pool.acquire() as conn:
            jobs = await deliveries_db.claim(conn, limit=limit, lease_seconds=self._lease)
        return jobs, deadline

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        async with self._pool.acquire() as conn:
            recorded = await deliveries_db.record_outcomes(conn, outcomes)
        if recorded < len(outcomes):
            logger.info(
                "delivery worker: %d outcomes arrived after their lease was taken over",
                len(outcomes) - recorded,
            )

    async def _attempt(self, job: DeliveryJob, deadline: float) -> Outcome:
        async with self._slots:
            loop = asyncio.get_running_loop()
            if self._stopping or loop.time() >= deadline - _LEASE_MARGIN:
                return Outcome(job.id, job.attempts, job.domain, "released")
            try:
                async with asyncio.timeout_at(deadline):
                    status = await self._send(job)
            except RemoteStatusError as exc:
                return self._judge(
                    job, status=exc.status, retry_after=exc.retry_after, error=str(exc)
                )
            except OutboundDeferred as exc:
                return self._judge(job, status=None, error=str(exc))
            except (ForbiddenAddress, OutboundRefused, _Unsendable) as exc:
                return self._judge(job, status=None, error=str(exc), final=True)
            except (FetchTimeout, TimeoutError) as exc:
                return self._judge(job, status=None, error=str(exc) or "timed out", down=True)
            except FetchError as exc:
                return self._judge(job, status=None, error=str(exc), down=True)
            except Exception as exc:  # a bug or a bad stored row: keep it, retry it, say so
                logger.exception("delivery %s to %s failed unexpectedly", job.id, job.inbox_url)
                return self._judge(job, status=None, error=_describe(exc))
            return self._judge(job, status=status)

    async def _send(self, job: DeliveryJob) -> int:
        if job.private_key_pem is None:
            raise _Unsendable(f"the sender {job.key_id} has no private key")
        document = job.document
        if isinstance(document, str):
            body = document.encode("utf-8")
        else:
            body = orjson.dumps(document)
        # Signed here, at send time, so the Date header is fresh on every retry.
        auth = HttpSignatureAuth(job.key_id, job.private_key_pem)
        response = await self._client.post(job.inbox_url, body, auth=auth)
        return response.status_code

    def _judge(
        self,
        job: DeliveryJob,
        *,
        status: int | None,
        retry_after: str | None = None,
        error: str | None = None,
        final: bool = False,
        down: bool = False,
    ) -> Outcome:
        decision = self._policy.decide(
            status=status,
            attempts=job.attempts,
            age_seconds=job.age_seconds,
            retry_after=retry_after,
            final_error=final,
        )
        message = error or decision.reason
        if decision.gave_up:
            message = f"{message}; gave up after {job.attempts} attempts"
        message = message[:_MAX_ERROR_CHARS]
        domain_down = down or (status is not None and status >= 500)
        if decision.verdict is Verdict.DONE:
            return Outcome(job.id, job.attempts, job.domain, "done", status=status)
        if decision.verdict is Verdict.RETRY:
            logger.info(
                "delivery %s to %s: %s; retrying in %.0f s",
                job.id,
                job.inbox_url,
                message,
                decision.delay,
            )
            return Outcome(
                job.id,
                job.attempts,
                job.domain,
                "retry",
                status=status,
                error=message,
                retry_in=decision.delay,
                domain_down=domain_down,
            )
        logger.warning(
            "delivery %s to %s failed for good: %s", job.id, job.inbox_url, decision.reason
        )
        return Outcome(
            job.id,
            job.attempts,
            job.domain,
            "failed",
            status=status,
            error=message,
            domain_down=domain_down,
        )


class _Unsendable(FediError):
    """A stored delivery that cannot be sent at all (no key to sign with)."""


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        async with asyncio.timeout(seconds):
            await stop.wait()
    except TimeoutError:
        pass


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
