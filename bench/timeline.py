"""Home timeline latency: GET /api/v1/timelines/home?limit=40 from a real `fedi serve`.

    .venv/bin/python -m bench.timeline [--posts 100000] [--accounts 500] [--following 200]
        [--requests 2000] [--concurrency 8] [--pages 10] [--explain] [--json] [--py-spy FILE]

Starts a throwaway PostgreSQL (FEDI_TEST_DATABASE_URL, or embedded in a temporary folder) and
`fedi serve` as a process of its own, then fills the database with SQL COPY: `--accounts`
authors (a tenth local, the rest remote) writing `--posts` posts, with boosts, likes, replies,
mentions, hashtags and media as a busy node has them, and one reader following `--following` of
the authors. The reader's first `--pages` pages are walked once (max_id from each Link header);
the timed phase then requests those pages round-robin, `--concurrency` in flight over
keep-alive connections, from a bare HTTP/1.1 client so the generator costs the server little.

--explain prints EXPLAIN ANALYZE of the home query for the first and a deep page, and times
the query and the rendering of a page in this process, to see where a request's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.common import (
    FediProcess,
    cpu_seconds,
    machine,
    percentile,
    postgres_processes,
    throwaway_database,
)
from bench.inbox import PySpy
from fedi.api.auth import issue_token
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.pagination import Page
from fedi.api.params import Params
from fedi.db import actors as actors_db
from fedi.db import timelines as timelines_db
from fedi.db.database import create_pool
from fedi.domain.accounts import create_user
from fedi.urls import Urls

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LIMIT = 40
TARGET_P99_MS = 20.0
# Only the constraint "a local actor has a private key" reads this; nothing signs with it.
PLACEHOLDER_PEM = "-----BEGIN PRIVATE KEY-----\nbench\n-----END PRIVATE KEY-----\n"
TAGS = ("trialwatch", "humanrights", "press", "asylum", "courts")
PARAGRAPH = (
    "Field report: the hearing was postponed again; observers from three organisations were "
    "present and counsel could speak with the defendant for ten minutes. "
)


# --- filling the database ---------------------------------------------------------------------


async def fill(pool: Any, urls: Urls, domain: str, args: argparse.Namespace) -> dict[str, Any]:
    """Authors, posts, boosts, likes, mentions, tags and media; the reader and its token."""
    rng = random.Random(5)
    reader = (await create_user(pool, urls, domain, "reader")).actor
    async with pool.acquire() as conn:
        # One token per connection: the API limits each token to 1,500 requests in 5 minutes.
        tokens = [
            (await issue_token(conn, None, reader.id, ["read"]))[0]
            for _ in range(args.concurrency + 1)
        ]
        base_actor = await conn.fetchval("SELECT coalesce(max(id), 0) FROM actors")
        authors = await _authors(conn, urls, domain, args.accounts, base_actor)
        followed = rng.sample(authors, args.following)
        await conn.copy_records_to_table(
            "follows",
            columns=["uri", "follower_id", "followee_id", "accepted"],
            records=[(f"{reader.uri}#follows/{a}", reader.id, a, True) for a in followed],
        )
        counts = await _activity(conn, rng, reader.id, authors, args.posts)
        await conn.execute(
            "SELECT setval('posts_id_seq',"
            " greatest((SELECT max(id) FROM posts), (SELECT max(id) FROM boosts)))"
        )
    async with pool.acquire() as conn:
        await conn.execute("VACUUM ANALYZE")
    return {"reader_id": reader.id, "tokens": tokens, **counts}


async def _authors(conn: Any, urls: Urls, domain: str, count: int, base: int) -> list[int]:
    records = []
    for n in range(count):
        local = n % 10 == 0
        host = domain if local else f"remote{n % 37}.example"
        uri = urls.actor("Person", f"a{n}") if local else f"https://{host}/users/a{n}"
        records.append(
            (
                base + 1 + n,
                uri,
                local,
                "Person",
                f"a{n}",
                host,
                f"Author {n}",
                "<p>Lawyer, observer, writer.</p>",
                uri,
                f"{uri}/inbox",
                f"{uri}/followers",
                f"https://{host}/inbox",
                f"{uri}#main-key",
                "-----BEGIN PUBLIC KEY-----\nbench\n-----END PUBLIC KEY-----\n",
                PLACEHOLDER_PEM if local else None,
            )
        )
    await conn.copy_records_to_table(
        "actors",
        columns=[
            "id",
            "uri",
            "local",
            "actor_type",
            "username",
            "domain",
            "display_name",
            "summary",
            "url",
            "inbox_url",
            "followers_url",
            "shared_inbox_url",
            "key_id",
            "public_key_pem",
            "private_key_pem",
        ],
        records=records,
    )
    await conn.execute("SELECT setval('actors_id_seq', (SELECT max(id) FROM actors))")
    return [record[0] for record in records]


async def _activity(
    conn: Any, rng: random.Random, reader_id: int, authors: list[int], total_posts: int
) -> dict[str, int]:
    """Posts and boosts in one id sequence (a boost is a status too), then likes on posts."""
    first_id = int(await conn.fetchval("SELECT nextval('posts_id_seq')")) + 1
    boosts_wanted = total_posts // 10
    events = total_posts + boosts_wanted
    start = datetime.now(UTC) - timedelta(seconds=events)
    uris = await conn.fetch("SELECT id, uri, followers_url FROM actors WHERE id = ANY($1)", authors)
    actor_uri = {row["id"]: (row["uri"], row["followers_url"]) for row in uris}
    local_authors = set(
        await conn.fetchval(
            "SELECT array_agg(id) FROM actors WHERE id = ANY($1) AND local", authors
        )
    )
    posts, boosts, mentions, tags, media = [], [], [], [], []
    public_posts: list[int] = []
    post_uris: dict[int, str] = {}
    boosted: set[tuple[int, int]] = set()
    for n in range(events):
        status_id = first_id + n
        published = start + timedelta(seconds=n)
        author = rng.choice(authors)
        if public_posts and rng.random() < boosts_wanted / events:
            target = rng.choice(public_posts[-5000:])
            if (author, target) not in boosted:
                boosted.add((author, target))
                uri = f"{actor_uri[author][0]}/announces/{status_id}"
                boosts.append((status_id, uri, author, target, "public", published))
                continue
        roll = rng.random()
        visibility = (
            "public"
            if roll < 0.85
            else "unlisted"
            if roll < 0.92
            else "followers"
            if roll < 0.98
            else "direct"
        )
        uri, followers = actor_uri[author]
        reply_to = rng.choice(public_posts[-2000:]) if public_posts and rng.random() < 0.1 else None
        to = [PUBLIC] if visibility == "public" else [followers]
        posts.append(
            (
                status_id,
                f"{uri}/statuses/{status_id}",
                author,
                author in local_authors,
                visibility,
                f"<p>{PARAGRAPH * rng.randint(1, 4)}</p>",
                "en",
                f"{uri}/{status_id}",
                None if reply_to is None else post_uris[reply_to],
                reply_to,
                published,
                to,
                [],
            )
        )
        if visibility in ("public", "unlisted"):
            public_posts.append(status_id)
            post_uris[status_id] = f"{uri}/statuses/{status_id}"
        if visibility == "direct" or rng.random() < 0.01:
            mentioned = reader_id if rng.random() < 0.5 else rng.choice(authors)
            mentions.append((status_id, mentioned))
        if rng.random() < 0.2:
            tags.append((status_id, rng.choice(TAGS)))
        if rng.random() < 0.05:
            media.append((author, status_id, "https://media.example/a.jpg", 1200, 800))
    await conn.copy_records_to_table(
        "posts",
        columns=[
            "id",
            "uri",
            "actor_id",
            "local",
            "visibility",
            "content",
            "language",
            "url",
            "in_reply_to_uri",
            "in_reply_to_id",
            "published_at",
            "to_uris",
            "cc_uris",
        ],
        records=posts,
    )
    await conn.copy_records_to_table(
        "boosts",
        columns=["id", "uri", "actor_id", "post_id", "visibility", "created_at"],
        records=boosts,
    )
    await conn.copy_records_to_table("mentions", columns=["post_id", "actor_id"], records=mentions)
    await conn.copy_records_to_table(
        "post_tags", columns=["post_id", "tag"], records=list(set(tags))
    )
    await conn.copy_records_to_table(
        "media_attachments",
        columns=["actor_id", "post_id", "remote_url", "width", "height"],
        records=media,
    )
    liked: set[tuple[int, int]] = set()
    while len(liked) < total_posts // 4:
        liked.add((rng.choice(authors), rng.choice(public_posts)))
    await conn.copy_records_to_table(
        "likes",
        columns=["uri", "actor_id", "post_id"],
        records=[(f"urn:like:{a}:{p}", a, p) for a, p in liked],
    )
    return {
        "posts": len(posts),
        "boosts": len(boosts),
        "likes": len(liked),
        "mentions": len(mentions),
    }


# --- the load --------------------------------------------------------------------------------


def page_paths(base_url: str, token: str, pages: int) -> list[str]:
    """The first `pages` pages of the reader's home, each found from the previous Link header."""
    paths = [f"/api/v1/timelines/home?limit={LIMIT}"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        while len(paths) < pages:
            answer = client.get(paths[-1])
            answer.raise_for_status()
            found = re.search(r'<([^>]+)>; rel="next"', answer.headers.get("link", ""))
            if len(answer.json()) != LIMIT or found is None:
                break
            paths.append(httpx.URL(found.group(1)).raw_path.decode())
    return paths


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time; responses need Content-Length."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, int]] | None = None

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
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in lines
                if line.lower().startswith("content-length:")
            ),
            0,
        )
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        waiter.set_result((int(lines[0].split(" ", 2)[1]), length))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))

    async def request(self, data: bytes) -> tuple[int, int]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return await self.waiter


async def load(port: int, tokens: list[str], paths: list[str], requests: int) -> dict[str, Any]:
    """`requests` GETs over the paths round-robin, one connection (and token) per token."""

    def prepared(token: str) -> list[bytes]:
        return [
            (
                f"GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n"
                f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
            ).encode()
            for path in paths
        ]

    loop = asyncio.get_running_loop()
    connections = [
        ((await loop.create_connection(_Connection, "127.0.0.1", port))[1], prepared(token))
        for token in tokens
    ]
    cursor = iter(range(requests))
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    sizes: list[int] = []

    async def lane(connection: _Connection, requests: list[bytes]) -> None:
        for n in cursor:
            started = time.perf_counter()
            status, size = await connection.request(requests[n % len(requests)])
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            sizes.append(size)

    began = time.perf_counter()
    await asyncio.gather(*(lane(connection, requests) for connection, requests in connections))
    seconds = time.perf_counter() - began
    for connection, _ in connections:
        if connection.transport is not None:
            connection.transport.close()
    return {
        "seconds": seconds,
        "latencies": latencies,
        "statuses": dict(statuses),
        "mean_bytes": round(statistics.mean(sizes)) if sizes else 0,
    }


# --- where the time goes ---------------------------------------------------------------------


class _Capture:
    """A connection that also keeps each query sent through `fetch` and its time."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sent: list[tuple[str, tuple[Any, ...], float]] = []

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        started = time.perf_counter()
        rows = await self.conn.fetch(query, *args)
        self.sent.append((query, args, time.perf_counter() - started))
        return list(rows)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self.conn.fetchval(query, *args)


def _page(**query: str) -> Page:
    return Page.from_params(Params(dict(query)), default=20, maximum=40)


async def explain(pool: Any, urls: Urls, reader_id: int, deep_max_id: int | None) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the home query, and in-process timings of query and rendering."""
    report: dict[str, Any] = {}
    pages = {"first": _page(limit=str(LIMIT))}
    if deep_max_id is not None:
        pages["deep"] = _page(limit=str(LIMIT), max_id=str(deep_max_id))
    async with pool.acquire() as conn:
        viewer = await actors_db.by_id(conn, reader_id)
        for name, page in pages.items():
            capture = _Capture(conn)
            await timelines_db.home(capture, reader_id, True, page)
            plans = []
            for query, query_args, _ in capture.sent:
                plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + query, *query_args)
                plans.append("\n".join(row[0] for row in plan))
            report[f"plan_{name}"] = "\n\n".join(plans)
            report[f"queries_{name}"] = len(capture.sent)
            query_times, render_times = [], []
            for _ in range(100):
                started = time.perf_counter()
                ids = await timelines_db.home(conn, reader_id, True, page)
                query_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                await statuses_to_json(conn, urls, viewer, ids)
                render_times.append(time.perf_counter() - started)
            report[f"query_{name}_ms"] = _spread(query_times)
            report[f"render_{name}_ms"] = _spread(render_times)
    return report


def _spread(seconds: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(seconds, 0.5) * 1000, 2),
        "p99": round(percentile(seconds, 0.99) * 1000, 2),
    }


# --- the benchmark ----------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    async with throwaway_database("timeline") as database:
        with tempfile.TemporaryDirectory(prefix="fedi-bench-timeline-") as folder:
            node = FediProcess(Path(folder), database.dsn)
            node.start()
            try:
                domain = f"localhost:{node.port}"
                urls = Urls(node.base_url)
                pool = await create_pool(database.dsn, max_size=4)
                try:
                    filled_at = time.perf_counter()
                    filled = await fill(pool, urls, domain, args)
                    fill_seconds = time.perf_counter() - filled_at
                    tokens = filled.pop("tokens")
                    paths = page_paths(node.base_url, tokens[-1], args.pages)
                    await load(node.port, tokens[:-1], paths, 200)  # warm-up
                    postgres = (
                        postgres_processes(database.embedded_dir)
                        if database.embedded_dir is not None
                        else []
                    )
                    spy = PySpy(args.py_spy, node.pid, 250)
                    server_cpu = cpu_seconds(node.pid)
                    pg_cpu = _cpu_of(postgres)
                    result = await load(node.port, tokens[:-1], paths, args.requests)
                    server_cpu = cpu_seconds(node.pid) - server_cpu
                    pg_cpu = _cpu_of(postgres) - pg_cpu
                    spy.stop()
                    diagnosis = (
                        await explain(pool, urls, filled["reader_id"], _max_id(paths[-1]))
                        if args.explain
                        else {}
                    )
                finally:
                    await pool.close()
            finally:
                node.stop()
    latencies = result["latencies"]
    n = len(latencies)
    return {
        "machine": machine(),
        "data": {k: v for k, v in filled.items() if k != "reader_id"},
        "accounts": args.accounts,
        "following": args.following,
        "fill_seconds": round(fill_seconds, 1),
        "pages": len(paths),
        "requests": n,
        "concurrency": args.concurrency,
        "statuses": result["statuses"],
        "mean_response_bytes": result["mean_bytes"],
        "requests_per_second": round(n / result["seconds"]),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p90": round(percentile(latencies, 0.90) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies) * 1000, 2),
        },
        "target_p99_ms": TARGET_P99_MS,
        "server_cpu_ms_per_request": round(server_cpu / n * 1000, 2),
        "postgres_cpu_ms_per_request": round(pg_cpu / n * 1000, 2) if postgres else None,
        **diagnosis,
    }


def _cpu_of(processes: list[Any]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:  # a backend that exited between listing and reading
            continue
    return total


def _max_id(path: str) -> int | None:
    found = re.search(r"max_id=(\d+)", path)
    return int(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--following", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pages", type=int, default=10, help="distinct pages requested")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE and timings")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    parser.add_argument("--py-spy", type=Path, help="record the server with py-spy to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pgserver").setLevel(logging.ERROR)
    result = asyncio.run(bench(args))
    if not args.json:
        for key in [k for k in result if k.startswith("plan_")]:
            print(f"--- {key}\n{result.pop(key)}\n")
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
