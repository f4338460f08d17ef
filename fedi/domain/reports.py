"""Reports: what a member may report, what a remote Flag may cite, and how moderators handle them.

Every moderator action writes its audit entry in the same transaction as the change.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fedi.db import account_moderation as account_moderation_db
from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.db import reports as reports_db
from fedi.db import users as users_db
from fedi.db.actors import Actor
from fedi.db.paging import IdWindow
from fedi.db.posts import Post
from fedi.db.reports import Filter, Report
from fedi.domain import audit, groups, policy
from fedi.domain.posts import may_see
from fedi.errors import Forbidden, InvalidInput, NotFound

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000
MAX_NOTE = 2000
MAX_STATUSES = 100
# A remote's comment is kept whole up to this; beyond it is cut rather than the report lost.
MAX_REMOTE_COMMENT = 5000
MAX_FLAG_OBJECTS = 100
NOT_ALLOWED = "This action is not allowed"
RECORD_NOT_FOUND = "Record not found"


@dataclass(frozen=True)
class ReportDraft:
    """What a member sends to report an account (POST /api/v1/reports)."""

    target_id: int
    status_ids: tuple[int, ...] = ()
    comment: str = ""
    category: str | None = None
    rule_ids: tuple[int, ...] = ()
    forward: bool = False


@dataclass(frozen=True)
class Evidence:
    """A draft checked against the database: who is reported, for which posts, under what."""

    target: Actor
    posts: list[Post]
    comment: str
    category: str
    rule_ids: list[int]


async def check_draft(
    conn: Any, reporter: Actor, draft: ReportDraft, *, rule_count: int
) -> Evidence:
    """The evidence a draft names, or InvalidInput naming the first problem."""
    if len(draft.comment) > MAX_COMMENT:
        raise InvalidInput(f"comment is longer than {MAX_COMMENT} characters")
    target = await actors_db.by_id(conn, draft.target_id) if draft.target_id > 0 else None
    if target is not None and target.local and target.actor_type == "Group":
        # A group the reporter may not know of is answered as no account at all.
        group = await groups.group_by_id(conn, target.id)
        if group is not None and not await groups.may_see_group(conn, group, reporter):
            target = None
    # A suspended account is gone for members, as in Mastodon: there is nothing left to report.
    if target is None or await account_moderation_db.is_suspended(conn, target.id):
        raise InvalidInput(f"account {draft.target_id} does not exist")
    status_ids = list(dict.fromkeys(draft.status_ids))
    if len(status_ids) > MAX_STATUSES:
        raise InvalidInput(f"a report may cite at most {MAX_STATUSES} statuses")
    found = {post.id: post for post in await posts_db.by_ids(conn, status_ids)}
    posts = []
    for status_id in status_ids:
        post = found.get(status_id)
        # A post the reporter may not see is answered like one of another account's, so a
        # report never confirms that a hidden post exists.
        if post is None or post.actor_id != target.id or not await may_see(conn, post, reporter):
            raise InvalidInput(f"status {status_id} is not a post of the reported account")
        posts.append(post)
    rule_ids = list(dict.fromkeys(draft.rule_ids))
    unknown = [str(rule) for rule in rule_ids if not 1 <= rule <= rule_count]
    if unknown:
        raise InvalidInput(f"no such rule: {', '.join(unknown)}")
    category = draft.category or "other"
    if category not in CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(CATEGORIES)}")
    if rule_ids:
        category = "violation"  # citing a rule is what a violation report is, as in Mastodon
    return Evidence(target, posts, draft.comment, category, rule_ids)


async def file_report(
    conn: Any, reporter: Actor, evidence: Evidence, *, uri: str | None, forwarded: bool
) -> Report:
    """Record a member's report; `uri` is the id of the Flag forwarding it, if any."""
    report = await reports_db.insert(
        conn,
        uri=uri,
        account_id=reporter.id,
        target_account_id=evidence.target.id,
        status_ids=[post.id for post in evidence.posts],
        comment=evidence.comment,
        category=evidence.category,
        rule_ids=evidence.rule_ids,
        forwarded=forwarded,
    )
    assert report is not None  # only a Flag's uri can repeat
    return report


async def receive_flag(
    conn: Any, sender: Actor, flag_uri: str, object_uris: list[str], content: str
) -> list[Report]:
    """Reports from a remote Flag, one per local account it names (directly or through one of
    its posts); the reports already recorded for a replayed Flag are not made again.

    Forbidden when the sender's domain may not send reports; InvalidInput when the Flag names
    nothing of ours.
    """
    rule = await policy.rule_for(conn, sender.domain)
    if rule is not None and rule.reject_reports:
        raise Forbidden(f"reports from {sender.domain} are refused by this node's policy")
    if len(object_uris) > MAX_FLAG_OBJECTS:
        raise InvalidInput(f"a Flag may name at most {MAX_FLAG_OBJECTS} objects")
    targets: dict[int, Actor] = {}
    named_posts: list[Post] = []
    for uri in dict.fromkeys(object_uris):
        actor = await actors_db.by_uri(conn, uri)
        if actor is not None and actor.local:
            targets.setdefault(actor.id, actor)
            continue
        post = await posts_db.by_uri(conn, uri)
        if post is not None and post.local:
            named_posts.append(post)
    citable = set(
        await reports_db.seen_from_domain(conn, [p.id for p in named_posts], sender.domain)
    )
    posts = [post for post in named_posts if post.id in citable]
    for author in await actors_db.by_ids(conn, [post.actor_id for post in posts]):
        targets.setdefault(author.id, author)
    if not targets:
        raise InvalidInput("the Flag names no account or post of this node")
    created = []
    for target in targets.values():
        if await account_moderation_db.is_suspended(conn, target.id):
            continue  # already dealt with, as Mastodon does
        report = await reports_db.insert(
            conn,
            uri=flag_uri,
            account_id=sender.id,
            target_account_id=target.id,
            status_ids=[post.id for post in posts if post.actor_id == target.id],
            comment=content[:MAX_REMOTE_COMMENT],
            category="other",
            rule_ids=[],
            forwarded=False,
        )
        if report is not None:
            created.append(report)
    return created


async def is_staff(conn: Any, actor: Actor) -> bool:
    """Whether the account may handle reports: admins for now; moderators once roles exist."""
    return actor.local and await users_db.is_admin(conn, actor.id)


async def require_staff(conn: Any, actor: Actor) -> None:
    """Only admins (and, once roles exist, moderators) see and handle reports."""
    if not await is_staff(conn, actor):
        raise Forbidden(NOT_ALLOWED)


async def list_reports(conn: Any, selection: Filter, window: IdWindow) -> list[Report]:
    return await reports_db.listing(conn, selection, window)


async def get_report(conn: Any, report_id: int) -> Report:
    report = await reports_db.by_id(conn, report_id)
    if report is None:
        raise NotFound(RECORD_NOT_FOUND)
    return report


async def assign_to_self(conn: Any, moderator: Actor, report_id: int) -> Report:
    return await _act(
        conn,
        moderator,
        report_id,
        "report.assign",
        lambda c: reports_db.set_assignee(c, report_id, moderator.id),
    )


async def unassign(conn: Any, moderator: Actor, report_id: int) -> Report:
    return await _act(
        conn,
        moderator,
        report_id,
        "report.unassign",
        lambda c: reports_db.set_assignee(c, report_id, None),
    )


async def resolve(conn: Any, moderator: Actor, report_id: int, note: str = "") -> Report:
    """Mark the report handled; the note says what was done, and is the audit entry's reason."""
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note is longer than {MAX_NOTE} characters")
    return await _act(
        conn,
        moderator,
        report_id,
        "report.resolve",
        lambda c: reports_db.mark_resolved(c, report_id, moderator.id, note),
        note,
    )


async def reopen(conn: Any, moderator: Actor, report_id: int) -> Report:
    return await _act(
        conn,
        moderator,
        report_id,
        "report.reopen",
        lambda c: reports_db.mark_unresolved(c, report_id),
    )


async def _act(
    conn: Any,
    moderator: Actor,
    report_id: int,
    action: str,
    change: Callable[[Any], Awaitable[Report | None]],
    reason: str = "",
) -> Report:
    """One moderator action and its audit entry, together or not at all."""
    async with conn.transaction():
        await require_staff(conn, moderator)
        report = await change(conn)
        if report is None:
            raise NotFound(RECORD_NOT_FOUND)
        await audit.record(conn, moderator.id, action, "report", str(report_id), reason)
    return report
