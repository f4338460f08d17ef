"""The inbox worker: dispatch in one transaction, refusal, retry with backoff, parking, waking."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from fedi.app import Node
from fedi.db import inbox_items
from fedi.db.actors import Actor
from fedi.db.database import create_pool
from fedi.db.migrate import migrate
from inbox.handlers import HANDLERS, Handler, HandlerContext, Refused, handler
from inbox.store import store_activity
from inbox.worker import InboxWorker, retry_delay
from tests.conftest import DatabaseFactory
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

REMOTE = "https://remote.example"


@pytest.fixture
def register() -> Iterator[Any]:
    """Registers throwaway handlers for made-up types, and removes them afterwards."""
    added: list[str] = []

    def add(activity_type: str, function: Handler) -> None:
        handler(activity_type)(function)
        added.append(activity_type)

    yield add
    for activity_type in added:
        HANDLERS.pop(activity_type, None)


@pytest_asyncio.fixture(loop_scope="session")
async def mallory(pool: Any) -> Actor:
    return await remote_actor(pool, "mallory")


async def enqueue(pool: Any, signer: Actor, activity_type: str, number: int = 1) -> str:
    uri = f"{REMOTE}/activities/{activity_type}/{number}"
    activity = {"id": uri, "type": activity_type, "actor": signer.uri, "object": f"{REMOTE}/x"}
    assert await store_activity(pool, activity, signer)
    return uri


async def item(pool: Any, uri: str) -> inbox_items.InboxItem:
    async with pool.acquire() as conn:
        found = await inbox_items.by_uri(conn, uri)
    assert found is not None
    return found


async def make_due(pool: Any, uri: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE inbox_items SET next_attempt_at = now() WHERE activity_uri = $1", uri
        )


def worker(node: Node, pool: Any | None = None, **options: Any) -> InboxWorker:
    return InboxWorker(pool or node.pool, node.resolver, node.settings, node.urls, **options)


async def test_registered_handler_runs_once_and_marks_done(
    node: Node, mallory: Actor, register: Any
) -> None:
    calls: list[tuple[str, str, bool]] = []

    async def ping(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        calls.append((ctx.signer.uri, activity["id"], ctx.conn.is_in_transaction()))

    register("TestPing", ping)
    uri = await enqueue(node.pool, mallory, "TestPing")
    inbox = worker(node)
    assert await inbox.run_once() == 1
    assert await inbox.run_once() == 0
    assert calls == [(mallory.uri, uri, True)]
    done = await item(node.pool, uri)
    assert (done.state, done.attempts, done.last_error) == ("done", 1, None)
    assert done.finished_at is not None and done.lease_until is None


async def test_refused_handler_writes_nothing_and_keeps_the_reason(
    node: Node, mallory: Actor, register: Any
) -> None:
    async def refuse(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        await ctx.conn.execute(
            "INSERT INTO tombstones (uri, actor_uri) VALUES ($1, $2)", activity["id"], "x"
        )
        raise Refused("not from a member of this group")

    register("TestRefuse", refuse)
    uri = await enqueue(node.pool, mallory, "TestRefuse")
    assert await worker(node).run_once() == 1
    refused = await item(node.pool, uri)
    assert (refused.state, refused.last_error) == ("refused", "not from a member of this group")
    assert refused.finished_at is not None
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM tombstones") == 0


async def test_failing_handler_is_retried_with_growing_backoff_then_parked(
    node: Node, mallory: Actor, register: Any
) -> None:
    async def fail(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        await ctx.conn.execute(
            "INSERT INTO tombstones (uri, actor_uri) VALUES ($1, $2)", activity["id"], "x"
        )
        raise RuntimeError("remote timed out")

    register("TestFail", fail)
    uri = await enqueue(node.pool, mallory, "TestFail")
    inbox = worker(node, max_attempts=5)
    for attempt in range(1, 5):
        assert await inbox.run_once() == 1
        pending = await item(node.pool, uri)
        assert (pending.state, pending.attempts) == ("pending", attempt)
        assert pending.last_error == "RuntimeError: remote timed out"
        wait = (pending.next_attempt_at - datetime.now(UTC)).total_seconds()
        assert retry_delay(attempt) - 5 < wait <= retry_delay(attempt)
        # Not due yet: nothing to claim.
        assert await inbox.run_once() == 0
        await make_due(node.pool, uri)
    assert [retry_delay(n) for n in range(1, 5)] == [10, 40, 160, 640]
    assert await inbox.run_once() == 1
    parked = await item(node.pool, uri)
    assert (parked.state, parked.attempts) == ("parked", 5)
    assert parked.last_error == "RuntimeError: remote timed out"
    assert await inbox.run_once() == 0
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM tombstones") == 0


async def test_poisoned_items_do_not_block_a_good_one_in_the_same_batch(
    node: Node, mallory: Actor, register: Any
) -> None:
    handled: list[str] = []

    async def crash(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        raise ValueError("cannot parse")

    async def break_the_transaction(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        await ctx.conn.execute("SELECT 1 / 0")

    async def good(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        handled.append(activity["id"])

    register("TestCrash", crash)
    register("TestBreak", break_the_transaction)
    register("TestGood", good)
    crashing = await enqueue(node.pool, mallory, "TestCrash")
    breaking = await enqueue(node.pool, mallory, "TestBreak")
    fine = await enqueue(node.pool, mallory, "TestGood")
    assert await worker(node).run_once() == 3
    assert handled == [fine]
    assert (await item(node.pool, fine)).state == "done"
    for uri, error in ((crashing, "ValueError"), (breaking, "DivisionByZeroError")):
        failed = await item(node.pool, uri)
        assert failed.state == "pending"
        assert failed.last_error is not None and failed.last_error.startswith(error)


async def test_unknown_type_is_done_and_marked_ignored(node: Node, mallory: Actor) -> None:
    uri = await enqueue(node.pool, mallory, "TestWave")
    assert await worker(node).run_once() == 1
    ignored = await item(node.pool, uri)
    assert (ignored.state, ignored.last_error) == ("done", "ignored: no handler for TestWave")


async def test_item_of_a_vanished_signer_is_refused(
    node: Node, mallory: Actor, register: Any
) -> None:
    async def ping(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        raise AssertionError("must not run")

    register("TestPing", ping)
    uri = await enqueue(node.pool, mallory, "TestPing")
    async with node.pool.acquire() as conn:
        await conn.execute("DELETE FROM actors WHERE id = $1", mallory.id)
    assert await worker(node).run_once() == 1
    refused = await item(node.pool, uri)
    assert refused.state == "refused"
    assert refused.last_error is not None and "no longer known" in refused.last_error


async def test_hung_handler_times_out_and_is_retried(
    node: Node, mallory: Actor, register: Any
) -> None:
    async def hang(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        await ctx.conn.execute("SELECT pg_sleep(30)")

    async def good(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        await ctx.conn.execute("SELECT 1")

    register("TestHang", hang)
    register("TestGood", good)
    hung = await enqueue(node.pool, mallory, "TestHang")
    fine = await enqueue(node.pool, mallory, "TestGood")
    started = time.monotonic()
    assert await worker(node, handler_timeout_seconds=0.3).run_once() == 2
    assert time.monotonic() - started < 5
    timed_out = await item(node.pool, hung)
    assert (timed_out.state, timed_out.attempts) == ("pending", 1)
    assert timed_out.last_error is not None and timed_out.last_error.startswith("TimeoutError")
    assert (await item(node.pool, fine)).state == "done"


async def test_item_of_a_dead_worker_comes_back_after_its_lease_and_is_parked_in_the_end(
    node: Node, mallory: Actor, register: Any
) -> None:
    runs: list[int] = []

    async def ping(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        runs.append(1)

    register("TestPing", ping)
    uri = await enqueue(node.pool, mallory, "TestPing")
    # A worker that claims and then dies: its lease runs out at once.
    async with node.pool.acquire() as conn:
        assert len(await inbox_items.claim(conn, batch=10, lease_seconds=0)) == 1
    assert await worker(node).run_once() == 1
    revived = await item(node.pool, uri)
    assert (revived.state, revived.attempts, runs) == ("done", 2, [1])

    second = await enqueue(node.pool, mallory, "TestPing", 2)
    async with node.pool.acquire() as conn:
        for _ in range(3):
            await inbox_items.claim(conn, batch=10, lease_seconds=0)
    assert await worker(node, max_attempts=3).run_once() == 1
    parked = await item(node.pool, second)
    assert parked.state == "parked" and runs == [1]
    assert parked.last_error is not None and "never finished" in parked.last_error


async def test_claimed_item_is_invisible_to_other_workers_until_its_lease_ends(
    node: Node, mallory: Actor
) -> None:
    await enqueue(node.pool, mallory, "TestWave")
    async with node.pool.acquire() as conn:
        assert len(await inbox_items.claim(conn, batch=10, lease_seconds=60)) == 1
    assert await worker(node).run_once() == 0


async def test_two_workers_process_each_of_100_items_exactly_once(
    node: Node, mallory: Actor, register: Any
) -> None:
    handled: list[str] = []

    async def count(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        # The tombstone's primary key would refuse a second run of the same item.
        await ctx.conn.execute(
            "INSERT INTO tombstones (uri, actor_uri) VALUES ($1, $2)", activity["id"], "x"
        )
        await asyncio.sleep(0.001)
        handled.append(activity["id"])

    register("TestCount", count)
    uris = [await enqueue(node.pool, mallory, "TestCount", n) for n in range(100)]
    workers = [worker(node, batch=7), worker(node, batch=7)]
    claimed: list[int] = [0, 0]

    async def drain(index: int) -> None:
        while (n := await workers[index].run_once()) > 0:
            claimed[index] += n

    await asyncio.wait_for(asyncio.gather(drain(0), drain(1)), timeout=30)
    assert sorted(handled) == sorted(uris)
    assert all(claimed), claimed
    assert sum(claimed) == 100
    async with node.pool.acquire() as conn:
        assert await inbox_items.count_by_state(conn) == {"done": 100}
        assert await conn.fetchval("SELECT max(attempts) FROM inbox_items") == 1


async def start(inbox: InboxWorker) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(inbox.run(stop))
    await asyncio.wait_for(inbox.listening.wait(), timeout=5)
    return stop, task


async def test_run_wakes_on_notify_at_once(node: Node, mallory: Actor, register: Any) -> None:
    arrived = asyncio.Event()

    async def ping(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        arrived.set()

    register("TestPing", ping)
    inbox = worker(node, idle_poll_seconds=60)
    stop, task = await start(inbox)
    try:
        started = time.monotonic()
        await enqueue(node.pool, mallory, "TestPing")
        await asyncio.wait_for(arrived.wait(), timeout=5)
        assert time.monotonic() - started < 1
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    assert task.done() and task.exception() is None


async def test_run_polls_for_items_that_became_due_without_a_notify(
    node: Node, mallory: Actor, register: Any
) -> None:
    arrived = asyncio.Event()

    async def ping(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        arrived.set()

    register("TestPing", ping)
    uri = await enqueue(node.pool, mallory, "TestPing")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE inbox_items SET next_attempt_at = $1", datetime.now(UTC) + timedelta(hours=1)
        )
    stop, task = await start(worker(node, idle_poll_seconds=0.2))
    try:
        await asyncio.sleep(0.3)
        assert not arrived.is_set()
        await make_due(node.pool, uri)
        await asyncio.wait_for(arrived.wait(), timeout=3)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)


@pytest_asyncio.fixture(loop_scope="session")
async def own_pool(databases: DatabaseFactory) -> AsyncIterator[Any]:
    """A database of its own, whose connections a test may cut."""
    pool = await create_pool(await databases.create("inbox_outage"), max_size=4)
    await migrate(pool)
    yield pool
    await pool.close()


async def test_run_survives_losing_its_database_connections(
    node: Node, own_pool: Any, register: Any
) -> None:
    arrived: list[str] = []

    async def ping(ctx: HandlerContext, activity: dict[str, Any]) -> None:
        arrived.append(activity["id"])

    register("TestPing", ping)
    signer = await remote_actor(own_pool, "mallory")
    inbox = worker(node, own_pool, idle_poll_seconds=60)
    stop, task = await start(inbox)
    try:
        async with own_pool.acquire() as conn:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        # The worker notices, pauses a second and listens again on a fresh connection.
        # (Polled: an Event cannot be awaited for being cleared.)
        deadline = time.monotonic() + 10
        while inbox.listening.is_set() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert not inbox.listening.is_set()
        await asyncio.wait_for(inbox.listening.wait(), timeout=10)
        uri = await enqueue(own_pool, signer, "TestPing")
        for _ in range(100):
            if arrived:
                break
            await asyncio.sleep(0.05)
        assert arrived == [uri]
        assert not task.done()
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)


async def test_store_notifies_the_workers_once_per_new_activity(node: Node, mallory: Actor) -> None:
    notified: list[str] = []

    def on_notify(conn: Any, pid: int, channel: str, payload: str) -> None:
        notified.append(channel)

    async with node.pool.acquire() as listener:
        await listener.add_listener(inbox_items.CHANNEL, on_notify)
        try:
            uri = await enqueue(node.pool, mallory, "TestWave")
            duplicate = {"id": uri, "type": "TestWave", "actor": mallory.uri}
            assert not await store_activity(node.pool, duplicate, mallory)
            # Seen from another connection as soon as store_activity returns: committed.
            assert await listener.fetchval("SELECT count(*) FROM inbox_items") == 1
            await asyncio.sleep(0.2)
        finally:
            await listener.remove_listener(inbox_items.CHANNEL, on_notify)
    assert notified == [inbox_items.CHANNEL]


async def test_claim_briefly_locked_by_another_worker_still_holds(
    node: Node, mallory: Actor
) -> None:
    await enqueue(node.pool, mallory, "TestPing")
    async with node.pool.acquire() as conn:
        [claimed] = await inbox_items.claim(conn, batch=10, lease_seconds=120)
    async with node.pool.acquire() as other:
        # Another worker's claim query holding the row for a moment, as happens under load:
        # the owner must wait for it, not skip the item and strand it until its lease ends.
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT 1 FROM inbox_items WHERE id = $1 FOR UPDATE", claimed.id)

        async def lock() -> bool:
            async with node.pool.acquire() as conn, conn.transaction():
                return await inbox_items.lock_claimed(conn, claimed.id, claimed.attempts)

        locking = asyncio.create_task(lock())
        await asyncio.sleep(0.3)
        assert not locking.done()
        await holding.rollback()
        assert await asyncio.wait_for(locking, 10) is True
    async with node.pool.acquire() as conn, conn.transaction():
        # A stale claim (an earlier attempt) still gets no lock.
        assert not await inbox_items.lock_claimed(conn, claimed.id, claimed.attempts - 1)
