"""How one account stands to others: follows both ways, blocks both ways and mutes, batched."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedi.db import mutes as mutes_db


@dataclass(frozen=True)
class Relationship:
    target_id: int
    following: bool = False
    requested: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    languages: list[str] | None = None
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    muting_expires_at: datetime | None = None


async def of(conn: Any, viewer_id: int, target_ids: list[int]) -> dict[int, Relationship]:
    """The viewer's relationship to each target, one query per kind of fact."""
    outgoing = await conn.fetch(
        "SELECT followee_id, accepted, show_reblogs, notify, languages FROM follows"
        " WHERE follower_id = $1 AND followee_id = ANY($2)",
        viewer_id,
        target_ids,
    )
    incoming = await conn.fetch(
        "SELECT follower_id, accepted FROM follows"
        " WHERE followee_id = $1 AND follower_id = ANY($2)",
        viewer_id,
        target_ids,
    )
    blocks = await conn.fetch(
        "SELECT blocker_id, blocked_id FROM blocks"
        " WHERE (blocker_id = $1 AND blocked_id = ANY($2))"
        "    OR (blocked_id = $1 AND blocker_id = ANY($2))",
        viewer_id,
        target_ids,
    )
    mutes = await mutes_db.active_for(conn, viewer_id, target_ids)
    facts: dict[int, dict[str, Any]] = {target: {} for target in target_ids}
    for row in outgoing:
        facts[row["followee_id"]].update(
            following=row["accepted"],
            requested=not row["accepted"],
            showing_reblogs=row["show_reblogs"],
            notifying=row["notify"],
            languages=row["languages"],
        )
    for row in incoming:
        facts[row["follower_id"]].update(
            followed_by=row["accepted"], requested_by=not row["accepted"]
        )
    for row in blocks:
        if row["blocker_id"] == viewer_id:
            facts[row["blocked_id"]]["blocking"] = True
        else:
            facts[row["blocker_id"]]["blocked_by"] = True
    for target, mute in mutes.items():
        facts[target].update(
            muting=True,
            muting_notifications=mute.hide_notifications,
            muting_expires_at=mute.expires_at,
        )
    return {target: Relationship(target, **found) for target, found in facts.items()}


@dataclass(frozen=True)
class FollowOptions:
    """What a follower asks of a follow: the followee's boosts in its home timeline, a
    notification per post, and only some languages. None keeps what the follow had (a new
    follow has boosts, no notifications, all languages); an empty `languages` means all."""

    show_reblogs: bool | None = None
    notify: bool | None = None
    languages: tuple[str, ...] | None = None


async def set_follow_options(conn: Any, follow_id: int, options: FollowOptions) -> None:
    await conn.execute(
        "UPDATE follows SET show_reblogs = coalesce($2, show_reblogs),"
        " notify = coalesce($3, notify),"
        " languages = CASE WHEN $4::text[] IS NULL THEN languages"
        "                  ELSE nullif($4::text[], '{}') END"
        " WHERE id = $1",
        follow_id,
        options.show_reblogs,
        options.notify,
        None if options.languages is None else list(options.languages),
    )
