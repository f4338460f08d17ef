"""Delivery throughput: one worker draining N queued deliveries to a local inbox that answers 202.

    .venv/bin/python -m bench.deliveries [--deliveries 5000] [--profile]

Uses a throwaway database on FEDI_TEST_DATABASE_URL, or an embedded PostgreSQL in a temporary
folder. The inbox runs in its own process so it does not share the worker's interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import orjson

from activitypub.client import ActivityPubClient, OutboundPolicy
from fedi.db import deliveries as deliveries_db
from fedi.db.database import create_pool
from fedi.db.embedded import EmbeddedPostgres
from fedi.db.migrate import migrate
from fedi.domain.accounts import create_local_actor
from fedi.urls import Urls
from outbox.delivery import DeliveryWorker

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
TIME_LIMIT = 300.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def sink_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The inbox: reads the body, answers 202. Bare ASGI, so the worker is what is measured."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = bool(message.get("more_body", False))
    headers = [(b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 202, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


class TimedClient(ActivityPubClient):
    """The real client, noting how long each POST (signing included) takes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latencies: list[float] = []

    async def post(
        self,
        url: str,
        body: bytes,
        *,
        auth: httpx.Auth | None,
        content_type: str = "application/activity+json",
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            return await super().post(url, body, auth=auth, content_type=content_type)
        finally:
            self.latencies.append(time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_sink(port: int) -> Any:
    command = [
        sys.executable, "-m", "uvicorn", "bench.deliveries:sink_app", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning", "--no-access-log", "--lifespan", "off",
    ]
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the inbox sink did not start") from None
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    configured = os.environ.get("FEDI_TEST_DATABASE_URL")
    if configured:
        name = f"fedi_bench_{os.getpid()}"
        admin = await asyncpg.connect(configured)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                yield urlunsplit(urlsplit(configured)._replace(path="/" + name))
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        return
    with tempfile.TemporaryDirectory(prefix="fedi-bench-pg-") as folder:
        server = EmbeddedPostgres(Path(folder))
        try:
            yield server.start()
        finally:
            server.stop()


def create_activity(actor_uri: str, serial: int) -> dict[str, Any]:
    """A Create(Note) of about 2 KB, shaped like what Mastodon sends."""
    note = f"{actor_uri}/statuses/{serial}"
    paragraph = (
        "Field report: the hearing was postponed again; observers from three organisations were "
        "present and counsel was allowed to speak with the defendant for ten minutes. "
    )
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"sensitive": "as:sensitive"}],
        "id": f"{note}/activity",
        "type": "Create",
        "actor": actor_uri,
        "published": "2025-03-01T12:00:00Z",
        "to": [PUBLIC],
        "cc": [f"{actor_uri}/followers"],
        "object": {
            "id": note,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": "2025-03-01T12:00:00Z",
            "url": f"{actor_uri}/{serial}",
            "attributedTo": actor_uri,
            "to": [PUBLIC],
            "cc": [f"{actor_uri}/followers"],
            "sensitive": False,
            "content": "<p>" + paragraph * 7 + "</p>",
            "contentMap": {"en": "<p>" + paragraph + "</p>"},
            "tag": [{"type": "Hashtag", "href": "https://fedi.bench/tags/trial", "name": "#trial"}],
            "attachment": [],
        },
    }


async def enqueue_all(pool: Any, deliveries: int, per_activity: int, port: int) -> int:
    """Queue `deliveries` rows, `per_activity` inboxes per activity; returns the body size."""
    urls = Urls("https://fedi.bench")
    async with pool.acquire() as conn:
        actor = await create_local_actor(
            conn, urls, "fedi.bench", actor_type="Person", username="alice"
        )
    size = 0
    remaining, serial = deliveries, 0
    while remaining > 0:
        count = min(per_activity, remaining)
        document = create_activity(actor.uri, serial)
        size = len(orjson.dumps(document))
        inboxes = [f"http://127.0.0.1:{port}/users/u{serial}x{n}/inbox" for n in range(count)]
        async with pool.acquire() as conn, conn.transaction():
            activity_id = await conn.fetchval(
                "INSERT INTO activities (uri, actor_id, activity_type, object_uri, document)"
                " VALUES ($1, $2, 'Create', $3, $4) RETURNING id",
                document["id"], actor.id, document["object"]["id"], document,
            )
            await deliveries_db.enqueue(conn, activity_id, inboxes)
        remaining -= count
        serial += 1
    return size


async def drain(pool: Any, worker: DeliveryWorker, total: int) -> float:
    """Run the worker until every delivery is recorded; returns the seconds it took."""
    stop = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(TIME_LIMIT):
            while True:
                await asyncio.sleep(0.05)
                async with pool.acquire() as conn:
                    finished = await conn.fetchval(
                        "SELECT count(*) FROM deliveries WHERE state <> 'pending'"
                    )
                if finished >= total:
                    break
        return time.perf_counter() - started
    finally:
        stop.set()
        await task


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of another one on Linux (0 elsewhere)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    async with throwaway_database() as dsn:
        pool = await create_pool(dsn, max_size=4)
        try:
            await migrate(pool)
            with running_sink(port) as sink:
                queued_at = time.perf_counter()
                size = await enqueue_all(pool, args.deliveries, args.per_activity, port)
                enqueue_seconds = time.perf_counter() - queued_at
                policy = OutboundPolicy(allow_private_addresses=True)
                async with TimedClient(policy, user_agent="fedi-bench") as client:
                    worker = DeliveryWorker(
                        pool, client, concurrency=args.concurrency, batch=args.batch
                    )
                    cpu_before = cpu_seconds(), cpu_seconds(sink.pid)
                    profiler = cProfile.Profile() if args.profile else None
                    if profiler:
                        profiler.enable()
                    seconds = await drain(pool, worker, args.deliveries)
                    if profiler:
                        profiler.disable()
                    cpu_after = cpu_seconds(), cpu_seconds(sink.pid)
                    latencies = client.latencies
            async with pool.acquire() as conn:
                states = dict(
                    await conn.fetch("SELECT state, count(*) FROM deliveries GROUP BY state")
                )
        finally:
            await pool.close()
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(30)
    n = args.deliveries
    return {
        "deliveries": n,
        "body_bytes": size,
        "concurrency": args.concurrency,
        "batch": args.batch,
        "states": states,
        "enqueue_per_second": round(n / enqueue_seconds),
        "seconds": round(seconds, 2),
        "deliveries_per_second": round(n / seconds),
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "worker_cpu_us_per_delivery": round((cpu_after[0] - cpu_before[0]) / n * 1e6),
        "sink_cpu_us_per_delivery": round((cpu_after[1] - cpu_before[1]) / n * 1e6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--per-activity", type=int, default=100, help="inboxes per activity")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the worker")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pgserver").setLevel(logging.ERROR)
    result = asyncio.run(bench(args))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
