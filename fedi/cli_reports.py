"""`fedi report list` and `fedi audit list`: what was reported, and what admins did, read on the
server itself."""

from typing import Any

from fedi.api.pagination import Page
from fedi.config import Settings
from fedi.db import actors as actors_db
from fedi.db.database import open_pool
from fedi.db.migrate import migrate
from fedi.db.reports import Filter, Report
from fedi.domain import audit, reports
from fedi.domain.audit import AuditEntry
from fedi.errors import InvalidInput

MAX_LIMIT = 500
# A comment is shown on one line, cut to this many characters.
COMMENT_WIDTH = 80


def add_report_commands(commands: Any) -> None:
    """The `report` and `audit` commands, on the top-level subparsers."""
    report = commands.add_parser("report", help="read the reports sent to the moderators")
    report_actions = report.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    listing = report_actions.add_parser("list", help="open reports, newest first")
    listing.add_argument("--all", action="store_true", help="resolved reports too")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (100)")

    log = commands.add_parser("audit", help="read the audit log of admin and moderator actions")
    log_actions = log.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    entries = log_actions.add_parser("list", help="entries, newest first")
    entries.add_argument("--limit", type=int, default=100, help="at most this many (100)")


def _limit(args: Any) -> int:
    limit: int = args.limit
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"--limit must be between 1 and {MAX_LIMIT}")
    return limit


async def run_report(settings: Settings, args: Any) -> int:
    limit = _limit(args)
    async with open_pool(settings, max_size=2) as pool:
        await migrate(pool)
        async with pool.acquire() as conn:
            selection = Filter(resolved=None if args.all else False)
            found = await reports.list_reports(
                conn, selection, Page(max_id=None, since_id=None, min_id=None, limit=limit)
            )
            handles = await _handles(
                conn, [i for r in found for i in (r.account_id, r.target_account_id)]
            )
    if not found:
        print("no reports" if args.all else "no open reports")
    for report in found:
        print(_report_line(report, handles))
    return 0


def _report_line(report: Report, handles: dict[int, str]) -> str:
    state = "resolved" if report.resolved else "open"
    reporter = handles.get(report.account_id, "?")
    target = handles.get(report.target_account_id, "?")
    comment = " ".join(report.comment.split())
    if len(comment) > COMMENT_WIDTH:
        comment = comment[: COMMENT_WIDTH - 1] + "…"
    return "\t".join(
        [
            f"#{report.id}",
            state,
            f"{report.created_at:%Y-%m-%d %H:%M}",
            f"{reporter} -> {target}",
            report.category,
            f"{len(report.status_ids)} post(s)",
            comment,
        ]
    )


async def run_audit(settings: Settings, args: Any) -> int:
    limit = _limit(args)
    async with open_pool(settings, max_size=2) as pool:
        await migrate(pool)
        async with pool.acquire() as conn:
            found = await audit.entries(conn, limit=limit)
            handles = await _handles(conn, [e.actor_id for e in found if e.actor_id is not None])
    if not found:
        print("the audit log is empty")
    for entry in found:
        print(_audit_line(entry, handles))
    return 0


def _audit_line(entry: AuditEntry, handles: dict[int, str]) -> str:
    who = "(node)" if entry.actor_id is None else handles.get(entry.actor_id, f"#{entry.actor_id}")
    return "\t".join(
        [
            f"{entry.created_at:%Y-%m-%d %H:%M:%S}",
            who,
            entry.action,
            f"{entry.target_type} {entry.target}",
            " ".join(entry.reason.split()),
        ]
    )


async def _handles(conn: Any, actor_ids: list[int]) -> dict[int, str]:
    actors = await actors_db.by_ids(conn, sorted(set(actor_ids)))
    return {actor.id: f"@{actor.handle}" for actor in actors}
