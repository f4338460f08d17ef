"""Groups seen as Mastodon accounts: who may know a local group exists, its members as its
followers, and its counters as a given viewer may see them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.db.paging import IdWindow
from fedi.db.post_visibility import visible_sql


def _shown_member(member: str, group: str, viewer: str) -> str:
    """A member row as a viewer may see it listed or counted: shielded members only by fellow
    approved members of the group, as the group API (/api/fedi/v1) lists them."""
    return (
        f"(NOT {member}.shielded OR EXISTS (SELECT 1 FROM group_members fm"
        f" WHERE fm.group_id = {group} AND fm.member_id = {viewer}::bigint"
        " AND fm.state = 'member'))"
    )


def hidden_group_sql(actor: str, viewer: str) -> str:
    """True when the actor row `actor` is a local group the viewer may not know exists: the SQL
    twin of fedi.domain.groups.may_see_group (a members or confidential group, and the viewer is
    neither a member nor invited nor asking; a confidential one only for local viewers).

    `viewer` is the SQL for the viewer's actor id (NULL: anonymous, who sees no such group)."""
    return (
        f"EXISTS (SELECT 1 FROM groups hg WHERE hg.actor_id = {actor}.id"
        " AND hg.visibility <> 'public'"
        " AND NOT EXISTS (SELECT 1 FROM group_members hm JOIN actors hv ON hv.id = hm.member_id"
        f" WHERE hm.group_id = hg.actor_id AND hm.member_id = {viewer}::bigint"
        " AND hm.state IN ('member', 'invited', 'pending')"
        " AND (hg.visibility <> 'confidential' OR hv.local)))"
    )


def member_of_sql(actor: str, viewer: str) -> str:
    """True when the viewer is an approved member of the local group `actor`: a group's members
    are its followers here, and find it in search as followers find an undiscoverable account
    (members and confidential groups are never discoverable)."""
    return (
        f"EXISTS (SELECT 1 FROM group_members jm WHERE jm.group_id = {actor}.id"
        f" AND jm.member_id = {viewer}::bigint AND jm.state = 'member')"
    )


async def hidden_groups_among(conn: Any, viewer_id: int | None, actor_ids: list[int]) -> set[int]:
    """Those of the actors that are local groups the viewer may not know exist."""
    if not actor_ids:
        return set()
    rows = await conn.fetch(
        f"SELECT a.id FROM actors a WHERE a.id = ANY($2) AND {hidden_group_sql('a', '$1')}",
        viewer_id,
        actor_ids,
    )
    return {row["id"] for row in rows}


@dataclass(frozen=True)
class GroupCounts:
    """A group's counters for one viewer. `members` is None for a remote group, whose
    followers this node only partly knows (its own accounts that follow it)."""

    group_id: int
    statuses: int
    last_status_at: datetime | None
    members: int | None


async def group_counts(
    conn: Any, group_ids: list[int], viewer_id: int | None, viewer_local: bool
) -> dict[int, GroupCounts]:
    """Posts in each group the viewer may see, and (for local groups) its approved members the
    viewer may see: shielded ones count for fellow members only."""
    if not group_ids:
        return {}
    rows = await conn.fetch(
        "SELECT g.id,"
        " (SELECT count(*) FROM posts p WHERE p.group_id = g.id"
        f"  AND {visible_sql('p', '$2', '$3')}) AS statuses,"
        " (SELECT max(p.published_at) FROM posts p WHERE p.group_id = g.id"
        f"  AND {visible_sql('p', '$2', '$3')}) AS last_status_at,"
        " CASE WHEN EXISTS (SELECT 1 FROM groups s WHERE s.actor_id = g.id) THEN"
        "  (SELECT count(*) FROM group_members m JOIN actors a ON a.id = m.member_id"
        "   WHERE m.group_id = g.id AND m.state = 'member'"
        f"  AND {_shown_member('a', 'g.id', '$2')}) END AS members"
        " FROM unnest($1::bigint[]) AS g(id)",
        group_ids,
        viewer_id,
        viewer_local,
    )
    return {
        row["id"]: GroupCounts(row["id"], row["statuses"], row["last_status_at"], row["members"])
        for row in rows
    }


async def members_page(
    conn: Any, group_id: int, viewer_id: int | None, window: IdWindow
) -> list[tuple[int, Actor]]:
    """A local group's approved members as (cursor, actor), newest member id first: its
    followers in Mastodon's terms. Shielded members are listed to fellow members only."""
    bounds, args = window.where("m.member_id", 3)
    rows = await conn.fetch(
        "SELECT m.member_id FROM group_members m JOIN actors a ON a.id = m.member_id"
        f" WHERE m.group_id = $1 AND m.state = 'member' AND {_shown_member('a', '$1', '$2')}"
        f" AND {bounds} ORDER BY {window.order('m.member_id')} LIMIT {int(window.limit)}",
        group_id,
        viewer_id,
        *args,
    )
    ids = [row["member_id"] for row in rows]
    found = {actor.id: actor for actor in await actors_db.by_ids(conn, ids)}
    return window.arrange([(i, found[i]) for i in ids if i in found])


async def members_among(conn: Any, group_id: int, viewer_ids: list[int]) -> set[int]:
    """Which of the viewers are approved members of a local group: its posts are for their
    home. (A remote group's posts reach its local members as the group's boosts.)"""
    rows = await conn.fetch(
        "SELECT member_id FROM group_members"
        " WHERE group_id = $1 AND state = 'member' AND member_id = ANY($2)",
        group_id,
        viewer_ids,
    )
    return {row["member_id"] for row in rows}


async def membership_states(conn: Any, member_id: int, group_ids: list[int]) -> dict[int, str]:
    """The actor's state (member, pending, invited, banned) in each group it has a row in."""
    rows = await conn.fetch(
        "SELECT group_id, state FROM group_members WHERE member_id = $1 AND group_id = ANY($2)",
        member_id,
        group_ids,
    )
    return {row["group_id"]: row["state"] for row in rows}
