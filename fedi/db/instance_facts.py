"""What the client API's instance endpoints tell about this node: counts, known domains, the
contact account and weekly activity."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Weeks of activity reported, as Mastodon reports.
ACTIVITY_WEEKS = 12


@dataclass(frozen=True)
class WeekActivity:
    # Midnight UTC of the week's Monday, as seconds since the epoch.
    week: int
    statuses: int
    logins: int
    registrations: int


async def count_known_domains(conn: Any) -> int:
    return int(await conn.fetchval("SELECT count(DISTINCT domain) FROM actors WHERE NOT local"))


async def known_domains(conn: Any) -> list[str]:
    rows = await conn.fetch("SELECT DISTINCT domain FROM actors WHERE NOT local ORDER BY domain")
    return [row["domain"] for row in rows]


async def contact_actor_id(conn: Any) -> int | None:
    """The first administrator, unless their account is shielded from being listed."""
    value = await conn.fetchval(
        "SELECT u.actor_id FROM users u JOIN actors a ON a.id = u.actor_id"
        " WHERE u.is_admin AND NOT a.shielded ORDER BY u.created_at, u.actor_id LIMIT 1"
    )
    return None if value is None else int(value)


async def started_at(conn: Any) -> datetime | None:
    """When this node made its first account: the date its description dates from."""
    value = await conn.fetchval("SELECT min(created_at) FROM actors WHERE local")
    return value if isinstance(value, datetime) else None


async def weekly_activity(conn: Any, weeks: int = ACTIVITY_WEEKS) -> list[WeekActivity]:
    """Local posts (not confidential ones), sign-ins (tokens issued) and registrations per week,
    newest week first."""
    rows = await conn.fetch(
        "WITH weeks AS ("
        "  SELECT start AT TIME ZONE 'UTC' AS since,"
        "         (start + interval '1 week') AT TIME ZONE 'UTC' AS until,"
        "         extract(epoch FROM start)::bigint AS week"
        "  FROM generate_series(date_trunc('week', now() AT TIME ZONE 'UTC')"
        "                       - make_interval(weeks => $1 - 1),"
        "                       date_trunc('week', now() AT TIME ZONE 'UTC'),"
        "                       interval '1 week') AS start)"
        " SELECT w.week,"
        "  (SELECT count(*) FROM posts p"
        "   WHERE p.local AND p.visibility <> 'confidential'"
        "   AND p.created_at >= w.since AND p.created_at < w.until) AS statuses,"
        "  (SELECT count(DISTINCT t.actor_id) FROM oauth_tokens t"
        "   WHERE t.actor_id IS NOT NULL AND t.created_at >= w.since AND t.created_at < w.until)"
        "   AS logins,"
        "  (SELECT count(*) FROM users u"
        "   WHERE u.created_at >= w.since AND u.created_at < w.until) AS registrations"
        " FROM weeks w ORDER BY w.week DESC",
        weeks,
    )
    return [WeekActivity(**dict(row)) for row in rows]
