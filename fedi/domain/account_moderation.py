"""A moderator's actions on single accounts: suspend, silence, mark sensitive, disable, lift.

Each action changes the account's standing, resolves the reports it answers and writes its
audit entry in the caller's transaction, and says what other servers must be told (the
publisher sends that in the same transaction).
"""

from dataclasses import dataclass, field
from typing import Any

from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import user_domain_blocks as user_domain_blocks_db
from fedi.db.account_moderation import Purged, Standing
from fedi.db.actors import Actor
from fedi.db.follows import Follow
from fedi.domain import audit, reports
from fedi.errors import Forbidden, InvalidInput, NotFound

# Mastodon's Admin::AccountAction types; `none` is a warning that changes nothing.
ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
# What each action imposes, and what each lift takes away.
IMPOSES = {
    "suspend": "suspended",
    "silence": "silenced",
    "sensitive": "sensitized",
    "disable": "disabled",
}
LIFTS = {
    "unsuspend": "suspended",
    "unsilence": "silenced",
    "unsensitive": "sensitized",
    "enable": "disabled",
}
MAX_TEXT = 5_000
NOT_ALLOWED = "This action is not allowed"
RECORD_NOT_FOUND = "Record not found"


@dataclass(frozen=True)
class AccountAction:
    """One of ACTIONS or LIFTS, with the moderator's words and the report it answers."""

    kind: str
    text: str = ""
    report_id: int | None = None


@dataclass(frozen=True)
class FollowCut:
    """A follow between a local and a remote account that moderation removed.

    The local account tells the remote one: Reject when the remote account was the follower
    (`incoming`), Undo of its Follow when the local account was.
    """

    follow: Follow
    local: Actor
    remote: Actor
    incoming: bool


@dataclass(frozen=True)
class Effects:
    """What an action did, and what other servers must hear of it.

    `announce` is "delete_actor" (a local account suspended: its followers' servers drop it),
    "update_actor" (a local account back: they fetch it again) or None.
    """

    target: Actor
    standing: Standing
    changed: bool
    announce: str | None = None
    cuts: list[FollowCut] = field(default_factory=list)
    purged: Purged | None = None


def check_action(action: AccountAction) -> None:
    """Raise InvalidInput naming what is wrong, before anything is read or written."""
    if action.kind not in ACTIONS and action.kind not in LIFTS:
        raise InvalidInput(f"type must be one of {', '.join(ACTIONS)}; {action.kind!r} is not")
    if len(action.text) > MAX_TEXT:
        raise InvalidInput(f"text is longer than {MAX_TEXT} characters")
    if action.report_id is not None and action.kind in LIFTS:
        raise InvalidInput(f"{action.kind} does not answer a report")


async def _check_target(conn: Any, moderator: Actor | None, target: Actor, kind: str) -> None:
    if target.actor_type == "Application":
        raise Forbidden(NOT_ALLOWED)  # the instance actor signs for the node itself
    if kind in ("disable", "enable") and not (
        target.local and await moderation_db.has_user(conn, target.id)
    ):
        raise Forbidden(NOT_ALLOWED)  # only a local sign-in can be disabled, as Mastodon
    # An admin cannot act on an admin (oneself included), as Mastodon's roles do not let a role
    # override its equal; the command line, run by whoever runs the node, may.
    if moderator is not None and target.local and await moderation_db.is_admin(conn, target.id):
        raise Forbidden(NOT_ALLOWED)


async def _answer_reports(
    conn: Any, moderator: Actor | None, target: Actor, action: AccountAction
) -> None:
    """A warning resolves the report it names; any other action every open report about the
    account, as Mastodon does."""
    if action.report_id is not None:
        report = await moderation_db.report_target(conn, action.report_id)
        if report is None:
            raise NotFound(RECORD_NOT_FOUND)
        if report != target.id:
            raise InvalidInput(f"report {action.report_id} is not about this account")
    if moderator is None:
        return
    if action.kind == "none":
        ids = [] if action.report_id is None else [action.report_id]
    else:
        ids = await moderation_db.unresolved_reports_about(conn, target.id)
    for report_id in ids:
        await reports.resolve(conn, moderator, report_id, action.text)


async def apply(
    conn: Any, moderator: Actor | None, target: Actor, action: AccountAction
) -> Effects:
    """Carry out the action in the caller's transaction; `moderator` None is the node itself
    (the command line). Bad input raises before anything changes."""
    check_action(action)
    await _check_target(conn, moderator, target, action.kind)
    await _answer_reports(conn, moderator, target, action)
    moderator_id = None if moderator is None else moderator.id
    kind = action.kind
    if kind == "none":
        await audit.record(
            conn, moderator_id, "account.warn", "account", target.handle, action.text
        )
        return Effects(target, await moderation_db.standing(conn, target.id), changed=False)
    imposed = kind in IMPOSES
    state = IMPOSES[kind] if imposed else LIFTS[kind]
    changed = await moderation_db.set_state(conn, target.id, state, imposed)
    effects = Effects(target, await moderation_db.standing(conn, target.id), changed)
    if not changed:
        return effects  # already so: nothing to record, nobody to tell
    await audit.record(conn, moderator_id, f"account.{kind}", "account", target.handle, action.text)
    if state != "suspended":
        return effects
    if target.local:
        announce = "delete_actor" if imposed else "update_actor"
        return Effects(target, effects.standing, True, announce)
    if not imposed:
        return effects  # what was purged is gone; the account comes back as it posts again
    cuts = await follow_cuts(conn, target, await moderation_db.follows_with_locals(conn, target.id))
    purged = await moderation_db.purge_remote(conn, target.id)
    return Effects(target, effects.standing, True, None, cuts, purged)


async def follow_cuts(conn: Any, remote: Actor, follows: list[Follow]) -> list[FollowCut]:
    """The follows between `remote` and local accounts, each with its local side."""
    others = [f.followee_id if f.follower_id == remote.id else f.follower_id for f in follows]
    locals_ = {actor.id: actor for actor in await actors_db.by_ids(conn, others)}
    return [
        FollowCut(follow, locals_[other], remote, incoming=follow.follower_id == remote.id)
        for follow, other in zip(follows, others, strict=True)
        if other in locals_
    ]


async def follow_review(conn: Any, follower: Actor, target: Actor) -> str:
    """How a new follow of a local account is met: "reject" when the target blocks the
    follower's domain, "review" when the follower is silenced (it waits for approval however
    the target is set, as Mastodon), else "open" (the target's own setting decides)."""
    if not follower.local and await user_domain_blocks_db.blocks_domain(
        conn, target.id, follower.domain
    ):
        return "reject"
    if await moderation_db.is_silenced(conn, follower.id):
        return "review"
    return "open"


async def may_be_followed(conn: Any, target: Actor) -> bool:
    """A suspended account cannot be followed (Mastodon answers as if it did not exist)."""
    return not await moderation_db.is_suspended(conn, target.id)
