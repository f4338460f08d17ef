"""The delivery queue: one row per (activity, inbox), claimed with a lease, plus domain health."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from activitypub.hosts import InvalidHost, host_of

CHANNEL = "fedi_deliveries"
# A domain whose deliveries failed on this many distinct (UTC) days is marked unavailable.
UNAVAILABLE_AFTER_DAYS = 7

logger = logging.getLogger(__name__)

# "released" hands a claimed row back untried (the worker is stopping, or its lease ran short).
OutcomeState = Literal["done", "retry", "failed", "released"]


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed delivery with what it takes to send it.

    `attempts` already counts this attempt and is the fencing token outcomes are recorded
    against: once the lease has expired and another worker has claimed the row, it no longer
    matches and a late outcome is dropped.
    """

    id: int
    activity_id: int
    inbox_url: str
    domain: str
    attempts: int
    age_seconds: float
    document: Any
    key_id: str
    private_key_pem: str | None


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt. `retry_in` (seconds) is used only for `retry`; `domain_down`
    marks failures that say the domain is unreachable (network errors, 5xx) rather than that
    it refused this one activity."""

    delivery_id: int
    attempts: int
    domain: str
    state: OutcomeState
    status: int | None = None
    error: str | None = None
    retry_in: float | None = None
    domain_down: bool = False


def _command_count(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def enqueue(conn: Any, activity_id: int, inbox_urls: Iterable[str]) -> int:
    """Queue one delivery per distinct inbox; returns how many rows were new.

    Run it inside the transaction that stores the activity: the NOTIFY that wakes the workers
    is delivered when that transaction commits, and not at all if it rolls back. URLs that are
    not absolute http(s) URLs are skipped (and logged) so one bad inbox cannot sink a publish.
    """
    urls: list[str] = []
    domains: list[str] = []
    seen: set[str] = set()
    for url in inbox_urls:
        if url in seen:
            continue
        seen.add(url)
        try:
            domain = host_of(url)
        except InvalidHost as exc:
            logger.warning("not delivering activity %s to %r: %s", activity_id, url, exc)
            continue
        urls.append(url)
        domains.append(domain)
    if not urls:
        return 0
    status = await conn.execute(
        "INSERT INTO deliveries (activity_id, inbox_url, domain)"
        " SELECT $1, u.url, u.domain FROM unnest($2::text[], $3::text[]) AS u(url, domain)"
        " ON CONFLICT (activity_id, inbox_url) DO NOTHING",
        activity_id,
        urls,
        domains,
    )
    inserted = _command_count(status)
    if inserted:
        await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return inserted


async def claim(conn: Any, *, limit: int, lease_seconds: float) -> list[DeliveryJob]:
    """Lease up to `limit` due deliveries, oldest due first, counting the attempt.

    SKIP LOCKED lets any number of workers claim at once without waiting on each other; the
    lease keeps a claimed row away from them until it is recorded or the lease runs out (the
    worker crashed), after which it is due again.
    """
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT id FROM deliveries
            WHERE state = 'pending' AND next_attempt_at <= now()
              AND (lease_until IS NULL OR lease_until < now())
            ORDER BY next_attempt_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE deliveries d
            SET lease_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
            FROM due WHERE d.id = due.id
            RETURNING d.id, d.activity_id, d.inbox_url, d.domain, d.attempts, d.created_at
        )
        SELECT c.id, c.activity_id, c.inbox_url, c.domain, c.attempts,
               extract(epoch FROM now() - c.created_at)::float8 AS age_seconds,
               a.document, s.key_id, s.private_key_pem
        FROM claimed c
        JOIN activities a ON a.id = c.activity_id
        JOIN actors s ON s.id = a.actor_id
        ORDER BY c.id
        """,
        limit,
        float(lease_seconds),
    )
    return [DeliveryJob(**dict(row)) for row in rows]


async def record_outcomes(conn: Any, outcomes: Sequence[Outcome]) -> int:
    """Record attempts in one statement; returns how many rows still matched their attempt.

    A success clears its domain's failure days and unavailability; a `domain_down` failure adds
    today (UTC) to the domain's failure days and marks it unavailable on the seventh distinct
    day. A domain that both succeeded and failed in the same call counts as reachable.
    """
    if not outcomes:
        return 0
    for outcome in outcomes:
        if outcome.state == "retry" and outcome.retry_in is None:
            raise ValueError(f"delivery {outcome.delivery_id}: a retry needs retry_in")
    reachable = sorted({o.domain for o in outcomes if o.state == "done"})
    down = sorted({o.domain for o in outcomes if o.domain_down} - set(reachable))
    # One statement, so it is atomic without a transaction and costs one round trip. Sibling
    # CTEs share a snapshot, hence "existing days other than today, plus today" for the count.
    rows = await conn.fetch(
        """
        WITH recorded AS (
            UPDATE deliveries d SET
                state = CASE WHEN o.state IN ('done', 'failed') THEN o.state ELSE 'pending' END,
                attempts = CASE WHEN o.state = 'released' THEN d.attempts - 1
                    ELSE d.attempts END,
                next_attempt_at = CASE WHEN o.state = 'retry'
                    THEN now() + make_interval(secs => o.retry_in) ELSE d.next_attempt_at END,
                finished_at = CASE WHEN o.state IN ('done', 'failed') THEN now() END,
                lease_until = NULL,
                last_status = CASE WHEN o.state = 'released' THEN d.last_status
                    ELSE o.status END,
                last_error = CASE WHEN o.state = 'released' THEN d.last_error ELSE o.error END
            FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::text[], $6::float8[])
                AS o(id, attempts, state, status, error, retry_in)
            WHERE d.id = o.id AND d.attempts = o.attempts AND d.state = 'pending'
            RETURNING d.id
        ), cleared_days AS (
            DELETE FROM domain_failures WHERE domain = ANY($7::text[])
        ), cleared_unavailable AS (
            DELETE FROM unavailable_domains WHERE domain = ANY($7::text[])
        ), today AS (
            SELECT (now() AT TIME ZONE 'UTC')::date AS day
        ), failed_today AS (
            INSERT INTO domain_failures (domain, day)
            SELECT d, today.day FROM unnest($8::text[]) AS d, today
            ON CONFLICT DO NOTHING
        ), newly_unavailable AS (
            INSERT INTO unavailable_domains (domain)
            SELECT d FROM unnest($8::text[]) AS d, today
            WHERE (SELECT count(*) FROM domain_failures f
                   WHERE f.domain = d AND f.day <> today.day) + 1 >= $9
            ON CONFLICT DO NOTHING
        )
        SELECT id FROM recorded
        """,
        [o.delivery_id for o in outcomes],
        [o.attempts for o in outcomes],
        [o.state for o in outcomes],
        [o.status for o in outcomes],
        [o.error for o in outcomes],
        [o.retry_in or 0.0 for o in outcomes],
        reachable,
        down,
        UNAVAILABLE_AFTER_DAYS,
    )
    return len(rows)


async def _clear_domains(conn: Any, domains: list[str]) -> None:
    await conn.execute("DELETE FROM domain_failures WHERE domain = ANY($1::text[])", domains)
    await conn.execute("DELETE FROM unavailable_domains WHERE domain = ANY($1::text[])", domains)


async def _add_failure_day(conn: Any, domains: list[str]) -> None:
    await conn.execute(
        "INSERT INTO domain_failures (domain, day)"
        " SELECT d, (now() AT TIME ZONE 'UTC')::date FROM unnest($1::text[]) AS d"
        " ON CONFLICT DO NOTHING",
        domains,
    )
    await conn.execute(
        "INSERT INTO unavailable_domains (domain)"
        " SELECT domain FROM domain_failures WHERE domain = ANY($1::text[])"
        " GROUP BY domain HAVING count(*) >= $2"
        " ON CONFLICT DO NOTHING",
        domains,
        UNAVAILABLE_AFTER_DAYS,
    )


async def record_domain_success(conn: Any, domain: str) -> None:
    """Forget a domain's failures, e.g. when it has just sent us a valid signed activity."""
    await _clear_domains(conn, [domain])


async def record_domain_failure(conn: Any, domain: str) -> None:
    await _add_failure_day(conn, [domain])


async def unavailable_domains(conn: Any, domains: Iterable[str]) -> set[str]:
    """Which of `domains` are marked unavailable (recipients code skips them)."""
    wanted = sorted(set(domains))
    if not wanted:
        return set()
    rows = await conn.fetch(
        "SELECT domain FROM unavailable_domains WHERE domain = ANY($1::text[])", wanted
    )
    return {row["domain"] for row in rows}


async def seconds_until_due(conn: Any) -> float | None:
    """Seconds until the earliest unleased pending delivery is due (<= 0: now), None if none."""
    value = await conn.fetchval(
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 FROM deliveries"
        " WHERE state = 'pending' AND (lease_until IS NULL OR lease_until < now())"
        " ORDER BY next_attempt_at LIMIT 1"
    )
    return None if value is None else float(value)


async def prune_finished(conn: Any, *, older_than_seconds: float, limit: int = 10_000) -> int:
    """Delete up to `limit` done or failed deliveries finished more than the given time ago."""
    status = await conn.execute(
        "DELETE FROM deliveries WHERE id IN ("
        " SELECT id FROM deliveries WHERE state <> 'pending'"
        " AND finished_at < now() - make_interval(secs => $1) LIMIT $2)",
        float(older_than_seconds),
        limit,
    )
    return _command_count(status)
