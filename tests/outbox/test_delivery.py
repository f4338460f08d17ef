"""The delivery queue and worker, against real PostgreSQL and a real inbox on loopback."""

import asyncio
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from activitypub.client import ActivityPubClient, OutboundDeferred, OutboundPolicy
from activitypub.signatures import verify_request
from fedi.db import actors as actors_db
from fedi.db import deliveries as deliveries_db
from fedi.db.actors import Actor
from fedi.db.deliveries import Outcome
from fedi.domain.accounts import create_local_actor
from fedi.urls import Urls
from outbox.delivery import DeliveryWorker
from tests.conftest import DatabaseFactory, dsn_for_database
from tests.federation.nodes import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOMAIN = "fedi.test"
URLS = Urls(f"https://{DOMAIN}")
UA = "fedi-test/1.0 (+https://fedi.test/)"
DEV = OutboundPolicy(allow_private_addresses=True, total_timeout=5.0)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_serial = itertools.count()


# --- a real inbox on loopback ----------------------------------------------------------------


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def activity_id(self) -> str:
        return str(json.loads(self.body)["id"])


@dataclass
class Answer:
    status: int = 202
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class InboxSink:
    """Records every POST; answers per path as told in `answers` (202 by default)."""

    port: int = field(default_factory=free_port)
    hits: list[Hit] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def inbox(self, path: str = "/inbox") -> str:
        return f"http://{self.domain}{path}"

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        self.hits.append(Hit(request.url.path, dict(request.headers), body))
        answer = self.answers.get(request.url.path, Answer())
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return Response(b"", status_code=answer.status, headers=answer.headers)

    @contextmanager
    def running(self) -> Iterator["InboxSink"]:
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("inbox sink did not start")
            time.sleep(0.01)
        try:
            yield self
        finally:
            server.should_exit = True
            thread.join(timeout=10)


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def sink() -> Iterator[InboxSink]:
    with InboxSink().running() as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[ActivityPubClient]:
    async with ActivityPubClient(DEV, user_agent=UA) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def alice(pool: Any) -> Actor:
    async with pool.acquire() as conn:
        return await create_local_actor(conn, URLS, DOMAIN, actor_type="Person", username="alice")


async def _json_codec(conn: Any) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def second_pool(pool: Any, databases: DatabaseFactory, name: str) -> Any:
    """Another pool on the test database, as another worker process would have."""
    async with pool.acquire() as conn:
        database = await conn.fetchval("SELECT current_database()")
    return await asyncpg.create_pool(
        dsn_for_database(databases.admin_dsn, database),
        min_size=1,
        max_size=4,
        init=_json_codec,
        server_settings={"application_name": name},
    )


def create_note(actor: Actor) -> dict[str, Any]:
    serial = next(_serial)
    note_id = f"{actor.uri}/notes/{serial}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": actor.uri,
        "to": [PUBLIC],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor.uri,
            "content": f"<p>Report number {serial} from the field.</p>",
            "to": [PUBLIC],
        },
    }


async def queue(pool: Any, actor: Actor, inboxes: list[str]) -> tuple[int, dict[str, Any]]:
    """Store an activity and queue it for `inboxes` in one transaction, as publishing does."""
    document = create_note(actor)
    async with pool.acquire() as conn, conn.transaction():
        activity_id = await conn.fetchval(
            "INSERT INTO activities (uri, actor_id, activity_type, object_uri, document)"
            " VALUES ($1, $2, 'Create', $3, $4) RETURNING id",
            document["id"],
            actor.id,
            document["object"]["id"],
            document,
        )
        await deliveries_db.enqueue(conn, activity_id, inboxes)
    return int(activity_id), document


async def delivery(pool: Any, activity_id: int) -> dict[str, Any]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT *, extract(epoch FROM next_attempt_at - now())::float8 AS due_in"
            " FROM deliveries WHERE activity_id = $1",
            activity_id,
        )
    assert row is not None
    return dict(row)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@contextmanager
def running_worker(worker: DeliveryWorker) -> Iterator[asyncio.Task[None]]:
    """Yield the task running `worker.run`; on exit, stop it and expect a clean return."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield task
    finally:
        stop.set()


async def stopped(task: asyncio.Task[None]) -> None:
    await asyncio.wait_for(task, timeout=10)


# --- the queue -------------------------------------------------------------------------------


async def test_enqueue_adds_one_row_per_distinct_inbox_and_skips_bad_urls(
    pool: Any, alice: Actor
) -> None:
    activity_id, _ = await queue(
        pool,
        alice,
        [
            "https://a.example/inbox",
            "https://a.example/inbox",
            "https://B.Example:443/users/x/inbox",
            "ftp://c.example/inbox",
            "not a url",
        ],
    )
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT inbox_url, domain, state, attempts FROM deliveries"
            " WHERE activity_id = $1 ORDER BY inbox_url",
            activity_id,
        )
        again = await deliveries_db.enqueue(
            conn, activity_id, ["https://a.example/inbox", "https://d.example/inbox"]
        )
    assert [(r["inbox_url"], r["domain"], r["state"], r["attempts"]) for r in rows] == [
        ("https://B.Example:443/users/x/inbox", "b.example", "pending", 0),
        ("https://a.example/inbox", "a.example", "pending", 0),
    ]
    assert again == 1


async def test_done_on_2xx_and_the_inbox_got_a_post_signed_by_the_sender(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    activity_id, document = await queue(pool, alice, [sink.inbox("/users/bob/inbox")])
    assert await DeliveryWorker(pool, http).run_once() == 1

    row = await delivery(pool, activity_id)
    assert row["state"] == "done" and row["last_status"] == 202 and row["attempts"] == 1
    assert row["finished_at"] is not None and row["lease_until"] is None
    [hit] = sink.hits
    assert hit.path == "/users/bob/inbox"
    assert hit.headers["content-type"] == "application/activity+json"
    assert json.loads(hit.body) == document
    verified = verify_request(
        method="POST",
        path=hit.path,
        headers=hit.headers,
        body=hit.body,
        public_key_pem=alice.public_key_pem,
        scheme="http",
    )
    assert verified.key_id == alice.key_id
    assert {"(request-target)", "host", "date", "digest"} <= set(verified.covered)


async def test_500_leaves_the_delivery_pending_with_backoff(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    sink.answers["/inbox"] = Answer(500)
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    assert await DeliveryWorker(pool, http).run_once() == 1

    row = await delivery(pool, activity_id)
    assert row["state"] == "pending" and row["last_status"] == 500 and row["attempts"] == 1
    assert "500" in row["last_error"] and row["lease_until"] is None
    assert 26 <= row["due_in"] <= 34
    # Not due yet, so nobody takes it again.
    assert await DeliveryWorker(pool, http).run_once() == 0
    async with pool.acquire() as conn:
        days = await conn.fetch("SELECT domain FROM domain_failures")
    assert [d["domain"] for d in days] == [sink.domain]


@pytest.mark.parametrize("status", [404, 410])
async def test_404_and_410_fail_for_good(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink, status: int
) -> None:
    sink.answers["/inbox"] = Answer(status)
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    await DeliveryWorker(pool, http).run_once()

    row = await delivery(pool, activity_id)
    assert row["state"] == "failed" and row["last_status"] == status
    assert row["finished_at"] is not None
    async with pool.acquire() as conn:
        # The server is up: refusing one activity does not make its domain unavailable.
        assert await conn.fetchval("SELECT count(*) FROM domain_failures") == 0


@pytest.mark.parametrize("status", [401, 408, 429])
async def test_401_408_and_429_are_retried(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink, status: int
) -> None:
    sink.answers["/inbox"] = Answer(status)
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    await DeliveryWorker(pool, http).run_once()

    row = await delivery(pool, activity_id)
    assert row["state"] == "pending" and row["last_status"] == status
    assert 26 <= row["due_in"] <= 34


async def test_retry_after_in_seconds_is_honoured(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    sink.answers["/inbox"] = Answer(429, {"Retry-After": "3600"})
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    await DeliveryWorker(pool, http).run_once()

    row = await delivery(pool, activity_id)
    assert row["state"] == "pending" and 3590 <= row["due_in"] <= 3600


async def test_retry_after_as_an_http_date_is_honoured(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    when = datetime.now(UTC) + timedelta(hours=2)
    sink.answers["/inbox"] = Answer(503, {"Retry-After": format_datetime(when, usegmt=True)})
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    await DeliveryWorker(pool, http).run_once()

    row = await delivery(pool, activity_id)
    assert row["state"] == "pending" and 7190 <= row["due_in"] <= 7201


async def test_gives_up_after_about_three_days(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    sink.answers["/inbox"] = Answer(503)
    old_id, _ = await queue(pool, alice, [sink.inbox()])
    younger_id, _ = await queue(pool, alice, [sink.inbox()])
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE deliveries SET created_at = now() - interval '3 days' + interval '10 seconds'"
            " WHERE activity_id = $1",
            old_id,
        )
        await conn.execute(
            "UPDATE deliveries SET created_at = now() - interval '2 days' WHERE activity_id = $1",
            younger_id,
        )
    assert await DeliveryWorker(pool, http).run_once() == 2

    old = await delivery(pool, old_id)
    assert old["state"] == "failed" and old["last_status"] == 503
    assert "gave up after 1 attempts" in old["last_error"]
    assert (await delivery(pool, younger_id))["state"] == "pending"


async def test_a_refused_address_fails_for_good(pool: Any, alice: Actor, sink: InboxSink) -> None:
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    async with ActivityPubClient(OutboundPolicy(), user_agent=UA) as public_only:
        await DeliveryWorker(pool, public_only).run_once()

    row = await delivery(pool, activity_id)
    assert row["state"] == "failed" and "loopback" in row["last_error"]
    assert sink.hits == []


async def test_a_guard_that_defers_leaves_the_delivery_pending_and_nothing_sent(
    pool: Any, alice: Actor, sink: InboxSink
) -> None:
    """The confidentiality guard defers on knowledge that may be stale (a group just opened):
    the delivery waits for a retry instead of being lost; a refusal for good still fails."""
    activity_id, _ = await queue(pool, alice, [sink.inbox()])

    def defer(url: str, body: bytes | None) -> None:
        raise OutboundDeferred("confidential: not yet", url=url)

    async with ActivityPubClient(DEV, user_agent=UA, guard=defer) as deferring:
        assert await DeliveryWorker(pool, deferring).run_once() == 1

    row = await delivery(pool, activity_id)
    assert row["state"] == "pending" and row["attempts"] == 1
    assert "confidential" in row["last_error"] and row["due_in"] > 0
    assert sink.hits == []


async def test_an_activity_by_a_remote_actor_fails_for_good(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    async with pool.acquire() as conn:
        remote = await actors_db.upsert_remote(
            conn,
            uri="https://remote.example/users/mallory",
            actor_type="Person",
            username="mallory",
            domain="remote.example",
            inbox_url="https://remote.example/users/mallory/inbox",
            key_id="https://remote.example/users/mallory#main-key",
            public_key_pem=alice.public_key_pem,
        )
    activity_id, _ = await queue(pool, remote, [sink.inbox()])
    await DeliveryWorker(pool, http).run_once()

    row = await delivery(pool, activity_id)
    assert row["state"] == "failed" and "no private key" in row["last_error"]
    assert sink.hits == []


# --- domain health ---------------------------------------------------------------------------


async def test_seven_failure_days_make_a_domain_unavailable_and_one_success_clears_it(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    async with pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO domain_failures (domain, day)"
            " VALUES ($1, (now() AT TIME ZONE 'UTC')::date - $2::int)",
            [(sink.domain, days_ago) for days_ago in range(1, 6)],
        )
    worker = DeliveryWorker(pool, http)
    sink.answers["/inbox"] = Answer(502)
    await queue(pool, alice, [sink.inbox()])
    await worker.run_once()
    async with pool.acquire() as conn:
        # Six days so far, and a second failure today adds no day.
        await queue(pool, alice, [sink.inbox()])
        await worker.run_once()
        assert await conn.fetchval("SELECT count(*) FROM domain_failures") == 6
        assert await deliveries_db.unavailable_domains(conn, [sink.domain]) == set()

        await conn.execute(
            "INSERT INTO domain_failures (domain, day)"
            " VALUES ($1, (now() AT TIME ZONE 'UTC')::date - 6)",
            sink.domain,
        )
        await queue(pool, alice, [sink.inbox()])
        await worker.run_once()
        assert await conn.fetchval("SELECT count(*) FROM domain_failures") == 7
        assert await deliveries_db.unavailable_domains(
            conn, [sink.domain, "elsewhere.example"]
        ) == {sink.domain}

        sink.answers["/inbox"] = Answer(202)
        activity_id, _ = await queue(pool, alice, [sink.inbox("/other/inbox")])
        await worker.run_once()
        assert (await delivery(pool, activity_id))["state"] == "done"
        assert await deliveries_db.unavailable_domains(conn, [sink.domain]) == set()
        assert await conn.fetchval("SELECT count(*) FROM domain_failures") == 0


async def test_domain_health_can_be_reported_from_elsewhere(pool: Any) -> None:
    async with pool.acquire() as conn:
        await deliveries_db.record_domain_failure(conn, "flaky.example")
        await deliveries_db.record_domain_failure(conn, "flaky.example")
        await conn.execute("INSERT INTO unavailable_domains (domain) VALUES ('flaky.example')")
        assert await conn.fetchval("SELECT count(*) FROM domain_failures") == 1
        await deliveries_db.record_domain_success(conn, "flaky.example")
        assert await conn.fetchval("SELECT count(*) FROM domain_failures") == 0
        assert await deliveries_db.unavailable_domains(conn, ["flaky.example"]) == set()


# --- several workers, crashes ----------------------------------------------------------------


async def test_two_workers_on_two_pools_send_each_delivery_exactly_once(
    pool: Any,
    databases: DatabaseFactory,
    http: ActivityPubClient,
    alice: Actor,
    sink: InboxSink,
) -> None:
    inboxes = [sink.inbox(f"/users/u{n}/inbox") for n in range(10)]
    for _ in range(20):
        await queue(pool, alice, inboxes)
    other = await second_pool(pool, databases, "fedi-delivery-twin")
    try:
        async with ActivityPubClient(DEV, user_agent=UA) as other_http:
            workers = [
                DeliveryWorker(pool, http, batch=15, concurrency=8),
                DeliveryWorker(other, other_http, batch=15, concurrency=8),
            ]
            handled = [0, 0]

            async def drain(index: int) -> None:
                while count := await workers[index].run_once():
                    handled[index] += count

            await asyncio.wait_for(asyncio.gather(drain(0), drain(1)), timeout=30)
    finally:
        await other.close()

    assert sum(handled) == 200 and min(handled) > 0
    sent = Counter((hit.activity_id, hit.path) for hit in sink.hits)
    assert len(sent) == 200 and set(sent.values()) == {1}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM deliveries WHERE state = 'done'") == 200


async def test_an_expired_lease_is_claimed_again_and_the_late_outcome_ignored(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    activity_id, _ = await queue(pool, alice, [sink.inbox()])
    async with pool.acquire() as conn:
        [crashed] = await deliveries_db.claim(conn, limit=10, lease_seconds=60)
    worker = DeliveryWorker(pool, http)
    assert await worker.run_once() == 0  # still leased by the "crashed" worker

    async with pool.acquire() as conn:
        await conn.execute("UPDATE deliveries SET lease_until = now() - interval '1 second'")
    assert await worker.run_once() == 1
    row = await delivery(pool, activity_id)
    assert row["state"] == "done" and row["attempts"] == 2
    assert len(sink.hits) == 1

    late = Outcome(crashed.id, crashed.attempts, crashed.domain, "failed", error="late")
    async with pool.acquire() as conn:
        assert await deliveries_db.record_outcomes(conn, [late]) == 0
    assert (await delivery(pool, activity_id))["state"] == "done"


# --- the long-running loop -------------------------------------------------------------------


async def test_run_wakes_on_notify_well_before_the_poll_interval(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    worker = DeliveryWorker(pool, http, idle_poll_seconds=30)
    with running_worker(worker) as task:
        await asyncio.sleep(0.5)  # let it reach its idle wait
        started = time.monotonic()
        activity_id, _ = await queue(pool, alice, [sink.inbox()])

        async def sent() -> bool:
            return len(sink.hits) == 1

        await eventually(sent, within=5)
        assert time.monotonic() - started < 2
    await stopped(task)
    assert (await delivery(pool, activity_id))["state"] == "done"


async def test_run_survives_a_dead_inbox_and_delivers_once_it_is_up(
    pool: Any, http: ActivityPubClient, alice: Actor
) -> None:
    sink = InboxSink()  # not listening yet: connections are refused
    worker = DeliveryWorker(pool, http, idle_poll_seconds=0.2)
    with running_worker(worker) as task:
        activity_id, _ = await queue(pool, alice, [sink.inbox()])

        async def attempted() -> bool:
            return (await delivery(pool, activity_id))["last_error"] is not None

        await eventually(attempted)
        row = await delivery(pool, activity_id)
        assert row["state"] == "pending" and row["last_status"] is None and row["attempts"] == 1
        assert "request failed" in row["last_error"] and row["due_in"] > 20
        assert not task.done()

        with sink.running():
            async with pool.acquire() as conn:  # the backoff has run out
                await conn.execute("UPDATE deliveries SET next_attempt_at = now()")

            async def done() -> bool:
                return (await delivery(pool, activity_id))["state"] == "done"

            await eventually(done)
            assert len(sink.hits) == 1
    await stopped(task)


async def test_run_survives_losing_its_database_connections(
    pool: Any,
    databases: DatabaseFactory,
    http: ActivityPubClient,
    alice: Actor,
    sink: InboxSink,
) -> None:
    own = await second_pool(pool, databases, "fedi-delivery-victim")
    try:
        worker = DeliveryWorker(own, http, idle_poll_seconds=0.2, error_pause_seconds=0.1)
        with running_worker(worker) as task:
            await asyncio.sleep(0.3)
            async with pool.acquire() as conn:
                killed = await conn.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = 'fedi-delivery-victim'"
                )
            assert killed >= 1
            await asyncio.sleep(0.3)
            assert not task.done()
            activity_id, _ = await queue(pool, alice, [sink.inbox()])

            async def done() -> bool:
                return (await delivery(pool, activity_id))["state"] == "done"

            await eventually(done, within=10)
        await stopped(task)
    finally:
        await own.close()
    assert len(sink.hits) == 1


async def test_stopping_hands_back_what_was_not_sent(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    sink.answers["/slow"] = Answer(202, delay=0.5)
    ids = [(await queue(pool, alice, [sink.inbox("/slow")]))[0] for _ in range(3)]
    worker = DeliveryWorker(pool, http, concurrency=1)
    with running_worker(worker) as task:

        async def first_sent() -> bool:
            return len(sink.hits) == 1

        await eventually(first_sent)
    await stopped(task)

    rows = [await delivery(pool, activity_id) for activity_id in ids]
    states = sorted((r["state"], r["attempts"], r["lease_until"]) for r in rows)
    assert states == [("done", 1, None), ("pending", 0, None), ("pending", 0, None)]
    assert len(sink.hits) == 1


async def test_run_waits_out_an_unreachable_database_without_spinning(
    http: ActivityPubClient, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = await asyncpg.create_pool(
        f"postgresql://fedi@127.0.0.1:{free_port()}/nowhere", min_size=0, max_size=1
    )
    try:
        worker = DeliveryWorker(unreachable, http, error_pause_seconds=0.05)
        with caplog.at_level("WARNING", logger="outbox.delivery"), running_worker(worker) as task:
            await asyncio.sleep(0.6)
            assert not task.done()
        await stopped(task)
    finally:
        await unreachable.close()
    # Pauses of 0.05, 0.1, 0.2, 0.4 s: a handful of tries, not a busy loop.
    tries = [r for r in caplog.records if "retrying in" in r.getMessage()]
    assert 2 <= len(tries) <= 6


async def test_run_prunes_finished_deliveries_after_a_week(
    pool: Any, http: ActivityPubClient, alice: Actor, sink: InboxSink
) -> None:
    old_id, _ = await queue(pool, alice, [sink.inbox(), sink.inbox("/b")])
    recent_id, _ = await queue(pool, alice, [sink.inbox()])
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE deliveries SET state = CASE WHEN inbox_url LIKE '%/b' THEN 'pending'"
            " ELSE 'done' END, finished_at = now() - interval '8 days',"
            " next_attempt_at = now() + interval '1 hour' WHERE activity_id = $1",
            old_id,
        )
        await conn.execute(
            "UPDATE deliveries SET state = 'failed', finished_at = now() - interval '6 days'"
            " WHERE activity_id = $1",
            recent_id,
        )
    with running_worker(DeliveryWorker(pool, http, idle_poll_seconds=0.1)) as task:

        async def pruned() -> bool:
            async with pool.acquire() as conn:
                return await conn.fetchval("SELECT count(*) FROM deliveries") == 2

        await eventually(pruned)
    await stopped(task)
    async with pool.acquire() as conn:
        left = await conn.fetch("SELECT activity_id, state FROM deliveries ORDER BY id")
    assert [(r["activity_id"], r["state"]) for r in left] == [
        (old_id, "pending"),
        (recent_id, "failed"),
    ]
