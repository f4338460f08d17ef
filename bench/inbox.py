"""Inbox throughput: N signed Create(Note)s POSTed to a real `fedi serve`, then processed.

    .venv/bin/python -m bench.inbox [--count 20000] [--concurrency 64] [--processes 1]
        [--deferred-workers] [--split-workers N] [--py-spy FILE] [--json]

Starts a throwaway PostgreSQL (FEDI_TEST_DATABASE_URL, or embedded in a temporary folder), a
"remote" server on loopback publishing one actor and its key, and `fedi serve` as a process of
its own. A local account follows the remote actor, so every Create is kept. All requests are
signed before the timed phase; the load generator (separate processes, a bare HTTP/1.1
keep-alive client) only writes prepared bytes, so it takes as little CPU from the server as it
can. On a 2-core machine it still competes with the server and PostgreSQL: read the numbers
with the CPU shares printed next to them ("others" is whatever else ran on the machine).

By default the workers run inside `fedi serve`, as on a small node. --split-workers N runs
`fedi serve --no-workers` beside `fedi worker --count N`; --deferred-workers starts that worker
only once every POST is answered, to measure accepting and processing apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import psutil

from activitypub.signatures import sign_headers
from bench.common import (
    Database,
    FediProcess,
    cpu_seconds,
    machine,
    memory_of,
    percentile,
    postgres_processes,
    rss_bytes,
    throwaway_database,
)
from tests.support.remote import RemoteServer, new_keys, running

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
MASTODON_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
        "Hashtag": "as:Hashtag",
    },
]
SIGN_TIMEOUT = 300.0
SEND_TIMEOUT = 600.0
DRAIN_TIMEOUT = 600.0


def create_note(actor_uri: str, serial: str) -> dict[str, Any]:
    """A Create(Note) of about 2 KB, shaped like what Mastodon 4 sends to a shared inbox."""
    note = f"{actor_uri}/statuses/{serial}"
    host = actor_uri.split("/")[2]
    text = (
        "Field report: the hearing was postponed again; observers from three organisations "
        "were present and counsel could speak with the defendant for ten minutes. "
    )
    content = (
        f"<p>{text * 2}</p><p>Notes and documents: "
        f'<a href="https://{host}/tags/trialwatch" class="mention hashtag" rel="tag">'
        "#<span>trialwatch</span></a></p>"
    )
    return {
        "@context": MASTODON_CONTEXT,
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
            "atomUri": note,
            "inReplyToAtomUri": None,
            "conversation": f"tag:{host},2025-03-01:objectId={serial}:objectType=Conversation",
            "content": content,
            "contentMap": {"en": content},
            "attachment": [],
            "tag": [
                {
                    "type": "Hashtag",
                    "href": f"https://{host}/tags/trialwatch",
                    "name": "#trialwatch",
                }
            ],
            "replies": {
                "id": f"{note}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{note}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{note}/replies",
                    "items": [],
                },
            },
        },
    }


@dataclass(frozen=True)
class SigningJob:
    actor_uri: str
    key_id: str
    private_key_pem: str
    host: str
    serials: list[str]


def sign_requests(job: SigningJob) -> list[bytes]:
    """Whole HTTP/1.1 requests, signed as Mastodon signs them, ready to write to a socket."""
    prepared = []
    for serial in job.serials:
        body = orjson.dumps(create_note(job.actor_uri, serial))
        headers = {"Host": job.host, "Content-Type": "application/activity+json"}
        headers.update(
            sign_headers(
                method="POST",
                path="/inbox",
                headers=headers,
                body=body,
                key_id=job.key_id,
                private_key_pem=job.private_key_pem,
            )
        )
        headers["Content-Length"] = str(len(body))
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        prepared.append(f"POST /inbox HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body)
    return prepared


def sign_all(
    actor_uri: str, key_id: str, private_key_pem: str, host: str, serials: list[str], workers: int
) -> list[bytes]:
    chunk = max(1, -(-len(serials) // workers))
    jobs = [
        SigningJob(actor_uri, key_id, private_key_pem, host, serials[start : start + chunk])
        for start in range(0, len(serials), chunk)
    ]
    # spawn: this process runs a server thread, which a fork would copy mid-flight.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        parts = pool.map(sign_requests, jobs, timeout=SIGN_TIMEOUT)
        return [request for part in parts for request in part]


# --- the load generator: runs in processes of its own -----------------------------------------


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time; responses need Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                waiter.set_exception(RuntimeError("chunked responses are not supported"))
                return
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        waiter.set_result(int(lines[0].split(" ", 2)[1]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))

    async def request(self, data: bytes) -> int:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self.waiter


async def _raw_generate(
    requests: Sequence[bytes], port: int, connections: int, barrier: Barrier | None
) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    pool = [
        (await loop.create_connection(_Connection, "127.0.0.1", port))[1]
        for _ in range(connections)
    ]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    cursor = iter(requests)

    async def lane(connection: _Connection) -> None:
        for data in cursor:
            started = time.perf_counter()
            try:
                status = await connection.request(data)
            except ConnectionError:
                status = 0
                transport = connection.transport
                if transport is not None:
                    transport.close()
                connection = (await loop.create_connection(_Connection, "127.0.0.1", port))[1]
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1

    if barrier is not None:
        barrier.wait(timeout=60)
    first_wall, first = time.time(), time.monotonic()
    async with asyncio.timeout(SEND_TIMEOUT):
        await asyncio.gather(*(lane(connection) for connection in pool))
    last = time.monotonic()
    for connection in pool:
        if connection.transport is not None:
            connection.transport.close()
    return _summary(latencies, statuses, first_wall, first, last)


async def _httpx_generate(
    requests: Sequence[bytes], port: int, connections: int, barrier: Barrier | None
) -> dict[str, Any]:
    """The same load through httpx, the client most Python code would use: for comparison."""
    parsed = []
    for data in requests:
        head, body = data.split(b"\r\n\r\n", 1)
        fields = [line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:]]
        parsed.append(({k: v for k, v in fields if k not in ("Host", "Content-Length")}, body))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    cursor = iter(parsed)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
    ) as client:

        async def lane() -> None:
            for headers, body in cursor:
                started = time.perf_counter()
                answer = await client.post(
                    "/inbox", content=body, headers={**headers, "Host": f"localhost:{port}"}
                )
                latencies.append(time.perf_counter() - started)
                statuses[answer.status_code] += 1

        if barrier is not None:
            barrier.wait(timeout=60)
        first_wall, first = time.time(), time.monotonic()
        async with asyncio.timeout(SEND_TIMEOUT):
            await asyncio.gather(*(lane() for _ in range(connections)))
        last = time.monotonic()
    return _summary(latencies, statuses, first_wall, first, last)


def _summary(
    latencies: list[float], statuses: Counter[int], first_wall: float, first: float, last: float
) -> dict[str, Any]:
    usage = psutil.Process().cpu_times()
    return {
        "latencies": latencies,
        "statuses": dict(statuses),
        "first_wall": first_wall,
        "first": first,
        "last": last,
        "cpu": usage.user + usage.system,
    }


def generator_main(
    requests: list[bytes],
    port: int,
    connections: int,
    client: str,
    cpus: list[int] | None,
    barrier: Barrier | None,
    results: Any,
) -> None:
    """Entry point of one generator process; puts its summary (or an error) on `results`."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    generate = _raw_generate if client == "raw" else _httpx_generate
    try:
        results.put(asyncio.run(generate(requests, port, connections, barrier)))
    except BaseException as exc:
        results.put({"error": f"{type(exc).__name__}: {exc}"})
        raise


def run_generators(
    requests: list[bytes],
    port: int,
    *,
    concurrency: int,
    processes: int,
    client: str,
    cpus: list[int] | None,
) -> dict[str, Any]:
    """Send every request from `processes` processes at once; the merged summary."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    shards = [requests[index::processes] for index in range(processes)]
    lanes = [
        concurrency // processes + (1 if i < concurrency % processes else 0)
        for i in range(processes)
    ]
    children = [
        context.Process(
            target=generator_main,
            args=(shard, port, max(1, lane), client, cpus, barrier, results),
            daemon=True,
        )
        for shard, lane in zip(shards, lanes, strict=True)
    ]
    for child in children:
        child.start()
    try:
        barrier.wait(timeout=120)
        parts = [results.get(timeout=SEND_TIMEOUT + 60) for _ in children]
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join(timeout=5)
    errors = [part["error"] for part in parts if "error" in part]
    if errors:
        raise RuntimeError(f"load generator failed: {errors}")
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    for part in parts:
        statuses.update({int(k): v for k, v in part["statuses"].items()})
        latencies.extend(part["latencies"])
    return {
        "statuses": dict(statuses),
        "latencies": latencies,
        "first_wall": min(part["first_wall"] for part in parts),
        "seconds": max(part["last"] for part in parts) - min(part["first"] for part in parts),
        "cpu": sum(part["cpu"] for part in parts),
    }


# --- the benchmark ----------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of the server, of PostgreSQL, and of the whole machine, between two reads."""

    def __init__(self, server_pid: int, worker_pid: int | None, postgres_dir: Path | None) -> None:
        self.server_pid = server_pid
        self.worker_pid = worker_pid
        self.postgres_dir = postgres_dir
        found = postgres_processes(postgres_dir) if postgres_dir is not None else []
        self._postmaster_pid = found[0].pid if found else None

    def read(self) -> dict[str, float]:
        machine_times = psutil.cpu_times()
        busy = machine_times.user + machine_times.system + machine_times.nice
        busy += getattr(machine_times, "softirq", 0.0) + getattr(machine_times, "irq", 0.0)
        postgres = 0.0
        if self.postgres_dir is not None:
            # The postmaster first: its children_* times hold the backends that have exited.
            for process in postgres_processes(self.postgres_dir):
                try:
                    times = process.cpu_times()
                    postgres += times.user + times.system
                    if process.pid == self._postmaster_pid:
                        postgres += times.children_user + times.children_system
                except psutil.NoSuchProcess:
                    pass
        return {
            "server": cpu_seconds(self.server_pid),
            "worker": cpu_seconds(self.worker_pid) if self.worker_pid else 0.0,
            "postgres": postgres,
            "machine": busy,
            "wall": time.monotonic(),
        }

    @staticmethod
    def shares(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Cores used on average by each, over the interval."""
        wall = after["wall"] - before["wall"]
        return {
            key: round((after[key] - before[key]) / wall, 2)
            for key in ("server", "worker", "postgres", "machine")
        }


async def wait_until_processed(conn: Any, after_id: int, deadline: float) -> None:
    while True:
        pending = await conn.fetchval(
            "SELECT count(*) FROM inbox_items WHERE id > $1 AND state = 'pending'", after_id
        )
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{pending} inbox items still pending")
        await asyncio.sleep(0.1)


class PySpy:
    """py-spy recording the server, if asked for (the tool is not a project dependency)."""

    def __init__(self, output: Path | None, pid: int, rate: int) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        if output is None:
            return
        binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(binary).exists():
            raise RuntimeError("--py-spy needs the py-spy binary (pip install py-spy)")
        self.process = subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--output",
                str(output),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # attach before the timed phase starts

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    keys = new_keys()
    remote = RemoteServer()
    actor = remote.add_actor("reporter", keys.public_pem)
    warmup = args.warmup if args.warmup >= 0 else min(1000, max(100, args.count // 20))
    server_cpus = _cpus(args.server_cpus)
    generator_cpus = _cpus(args.generator_cpus)
    with tempfile.TemporaryDirectory(prefix="fedi-bench-node-") as folder, running(remote):
        async with throwaway_database("inbox") as database:
            node = FediProcess(Path(folder), database.dsn, python=args.server_python)
            try:
                return await _run(
                    args,
                    node,
                    database,
                    actor,
                    keys.private_pem,
                    warmup,
                    server_cpus,
                    generator_cpus,
                )
            finally:
                node.stop()
                if args.keep_log is not None:
                    shutil.copyfile(node.log_path, args.keep_log)


async def _run(
    args: argparse.Namespace,
    node: FediProcess,
    database: Database,
    actor: dict[str, Any],
    private_pem: str,
    warmup: int,
    server_cpus: list[int] | None,
    generator_cpus: list[int] | None,
) -> dict[str, Any]:
    node.cli("user", "create", "alice", "--password", "bench-password-1")
    node.cli("resolve", actor["id"])
    conn = await asyncpg.connect(database.dsn)
    try:
        await conn.execute(
            "INSERT INTO follows (uri, follower_id, followee_id, accepted)"
            " SELECT $1, l.id, r.id, true FROM actors l, actors r"
            " WHERE l.local AND l.username = 'alice' AND r.uri = $2",
            f"{node.base_url}/follows/bench",
            actor["id"],
        )
        for setting in args.db_setting:
            name, _, value = setting.partition("=")
            if not name.replace("_", "").isalnum() or not value.replace("_", "").isalnum():
                raise SystemExit(f"bad --db-setting {setting!r}")
            database_name = await conn.fetchval("SELECT current_database()")
            await conn.execute(f'ALTER DATABASE "{database_name}" SET {name} = {value}')
        split = args.split_workers or (1 if args.deferred_workers else 0)
        node.start(*(["--no-workers"] if split else []))
        worker_pid = node.start_worker(split).pid if split else None
        if server_cpus:
            psutil.Process(node.pid).cpu_affinity(server_cpus)
        host = f"localhost:{node.port}"

        signed_at = time.monotonic()
        serials = [f"w{n}" for n in range(warmup)] + [str(n) for n in range(args.count)]
        requests = await asyncio.to_thread(
            sign_all,
            actor["id"],
            actor["publicKey"]["id"],
            private_pem,
            host,
            serials,
            args.sign_workers,
        )
        sign_seconds = time.monotonic() - signed_at
        body_bytes = len(requests[-1].split(b"\r\n\r\n", 1)[1])

        if warmup:
            await asyncio.to_thread(
                run_generators,
                requests[:warmup],
                node.port,
                concurrency=min(args.concurrency, 16),
                processes=1,
                client=args.client,
                cpus=generator_cpus,
            )
            await wait_until_processed(conn, 0, time.monotonic() + DRAIN_TIMEOUT)
        baseline = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM inbox_items"))
        if args.deferred_workers:
            # Accepting alone first; the worker starts again once every request is answered.
            node.stop_workers()
            worker_pid = None
        rss_before = rss_bytes(node.pid)

        meter = CpuMeter(node.pid, worker_pid, database.embedded_dir)
        spy = PySpy(args.py_spy, node.pid, args.py_spy_rate)
        worker_spy = PySpy(
            None if args.deferred_workers else args.py_spy_worker,
            worker_pid or node.pid,
            args.py_spy_rate,
        )
        try:
            cpu_start = meter.read()
            sent = await asyncio.to_thread(
                run_generators,
                requests[warmup:],
                node.port,
                concurrency=args.concurrency,
                processes=args.processes,
                client=args.client,
                cpus=generator_cpus,
            )
            cpu_sent = meter.read()
            if args.deferred_workers:
                worker_pid = meter.worker_pid = node.start_worker(split).pid
                worker_spy = PySpy(args.py_spy_worker, worker_pid, args.py_spy_rate)
            pending_after_send = int(
                await conn.fetchval(
                    "SELECT count(*) FROM inbox_items WHERE id > $1 AND state = 'pending'", baseline
                )
            )
            send_end_wall = time.time()
            await wait_until_processed(conn, baseline, time.monotonic() + DRAIN_TIMEOUT)
            cpu_done = meter.read()
        finally:
            spy.stop()
            worker_spy.stop()
        timing = await conn.fetchrow(
            "SELECT count(*) AS n, extract(epoch FROM max(finished_at)) AS last_done"
            " FROM inbox_items WHERE id > $1",
            baseline,
        )
        retried = int(
            await conn.fetchval(
                "SELECT count(*) FROM inbox_items WHERE id > $1 AND attempts > 1", baseline
            )
        )
        # Why items needed another try: errors, or (none recorded) a lease that ran out.
        retry_reasons = {
            str(row["reason"]): int(row["n"])
            for row in await conn.fetch(
                "SELECT coalesce(left(last_error, 120), '(no error: lease expired)') AS reason,"
                " count(*) AS n FROM inbox_items WHERE id > $1 AND attempts > 1"
                " GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
                baseline,
            )
        }
        slowest = float(
            await conn.fetchval(
                "SELECT coalesce(extract(epoch FROM max(finished_at - received_at)), 0)"
                " FROM inbox_items WHERE id > $1",
                baseline,
            )
        )
        states = dict(
            await conn.fetch(
                "SELECT state, count(*) FROM inbox_items WHERE id > $1 GROUP BY state", baseline
            )
        )
        posts = int(await conn.fetchval("SELECT count(*) FROM posts WHERE NOT local"))
        rss_after = rss_bytes(node.pid)
        worker_rss = rss_bytes(worker_pid) if worker_pid else None
        postgres_memory = (
            memory_of(postgres_processes(database.embedded_dir))
            if database.embedded_dir is not None
            else None
        )
    finally:
        await conn.close()

    accepted = sent["statuses"].get(202, 0)
    stored = int(timing["n"])
    # Nothing stored (only when the store is switched off to measure the rest): no processing.
    last_done = float(timing["last_done"]) if stored else send_end_wall
    processed_seconds = max(last_done - sent["first_wall"], 1e-6)
    drain_seconds = max(last_done - send_end_wall, 1e-6)
    latencies = sent["latencies"]
    return {
        "count": args.count,
        "warmup": warmup,
        "concurrency": args.concurrency,
        "generator_processes": args.processes,
        "client": args.client,
        "split_workers": split,
        "deferred_workers": args.deferred_workers,
        "server_cpus": server_cpus,
        "generator_cpus": generator_cpus,
        "server_python": args.server_python,
        "db_settings": args.db_setting,
        "body_bytes": body_bytes,
        "sign_seconds": round(sign_seconds, 2),
        "statuses": sent["statuses"],
        "send_seconds": round(sent["seconds"], 2),
        "accepted_per_second": round(accepted / sent["seconds"]),
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_max_ms": round(max(latencies, default=0) * 1000, 1),
        "stored": stored,
        "states": states,
        "retried": retried,
        "retry_reasons": retry_reasons,
        "slowest_item_seconds": round(slowest, 1),
        "remote_posts_kept": posts,
        "processed_during_send": stored - pending_after_send,
        "processed_seconds": round(processed_seconds, 2),
        "processed_per_second": round(stored / processed_seconds) if stored else None,
        "pending_after_send": pending_after_send,
        "drain_seconds": round(drain_seconds, 2),
        "drain_per_second": round(pending_after_send / drain_seconds)
        if pending_after_send
        else None,
        "cores_during_send": _with_others(
            CpuMeter.shares(cpu_start, cpu_sent), sent["cpu"] / sent["seconds"]
        ),
        "cores_during_drain": _with_others(CpuMeter.shares(cpu_sent, cpu_done), 0.0),
        # Includes any processing the in-process worker did meanwhile (none when deferred).
        "server_cpu_us_per_accept": round(
            (cpu_sent["server"] - cpu_start["server"]) / max(accepted, 1) * 1e6
        ),
        "server_cpu_us_per_activity": round(
            (cpu_done["server"] - cpu_start["server"]) / max(stored, 1) * 1e6
        ),
        "worker_cpu_us_per_activity": round(
            (cpu_done["worker"] - cpu_start["worker"]) / max(stored, 1) * 1e6
        ),
        "postgres_cpu_us_per_activity": round(
            (cpu_done["postgres"] - cpu_start["postgres"]) / max(stored, 1) * 1e6
        ),
        "server_rss_mb_before": round(rss_before / 1024 / 1024, 1),
        "server_rss_mb_after": round(rss_after / 1024 / 1024, 1),
        "worker_rss_mb_after": round(worker_rss / 1024 / 1024, 1) if worker_rss else None,
        "postgres_memory": postgres_memory,
    }


def _with_others(shares: dict[str, float], generator: float) -> dict[str, float]:
    """Adds the generator's share, and what the rest of the machine took meanwhile."""
    ours = shares["server"] + shares["worker"] + shares["postgres"] + generator
    return {
        **shares,
        "generator": round(generator, 2),
        "others": round(max(shares["machine"] - ours, 0.0), 2),
    }


def wait_for_quiet(max_cores: float, limit: float) -> float:
    """Wait (up to `limit` s) until other processes use under `max_cores`; the cores last seen.

    The machine may be shared: a benchmark next to someone's test suite measures both.
    """
    deadline = time.monotonic() + limit
    while True:
        before = psutil.cpu_times()
        time.sleep(3)
        after = psutil.cpu_times()
        busy = (
            sum(getattr(after, name) - getattr(before, name) for name in ("user", "system", "nice"))
            / 3
        )
        if busy < max_cores or time.monotonic() > deadline:
            return round(float(busy), 2)


def _cpus(text: str | None) -> list[int] | None:
    return [int(part) for part in text.split(",")] if text else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="activities to send (20000)")
    parser.add_argument("--concurrency", type=int, default=64, help="connections in flight (64)")
    parser.add_argument("--processes", type=int, default=1, help="load generator processes (1)")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="bare asyncio HTTP/1.1 client (raw) or httpx.AsyncClient",
    )
    parser.add_argument(
        "--warmup", type=int, default=-1, help="untimed activities sent first (count/20, 100..1000)"
    )
    parser.add_argument("--sign-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--split-workers",
        type=int,
        default=0,
        metavar="N",
        help="serve with --no-workers and run `fedi worker --count N` beside it (0: one process)",
    )
    parser.add_argument(
        "--deferred-workers",
        action="store_true",
        help="measure apart: no worker while sending, then `fedi worker` drains the queue",
    )
    parser.add_argument(
        "--db-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="diagnostics: ALTER DATABASE ... SET NAME = VALUE, e.g. synchronous_commit=off",
    )
    parser.add_argument("--server-cpus", help="pin the server to these CPUs, e.g. 1")
    parser.add_argument("--generator-cpus", help="pin the load generator to these CPUs, e.g. 0")
    parser.add_argument(
        "--server-python",
        default=sys.executable,
        help="interpreter to run `fedi serve` with (another venv, for experiments)",
    )
    parser.add_argument("--py-spy", type=Path, help="record the server with py-spy to this file")
    parser.add_argument(
        "--py-spy-worker", type=Path, help="record the `fedi worker` process (--split-workers)"
    )
    parser.add_argument("--py-spy-rate", type=int, default=250)
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0,
        help="wait up to this many seconds for the machine to be idle first",
    )
    parser.add_argument("--keep-log", type=Path, help="copy the node's log here at the end")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pgserver").setLevel(logging.ERROR)
    if not args.json:
        print(json.dumps({"machine": machine(), "load_average": os.getloadavg()}), flush=True)
    busy = wait_for_quiet(0.25, args.quiet_wait) if args.quiet_wait > 0 else None
    result = asyncio.run(bench(args))
    result["machine_busy_before_cores"] = busy
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
