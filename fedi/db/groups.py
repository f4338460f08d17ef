"""Queries on local groups, their members, spaces, pins and moderation log."""

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from fedi.db.account_moderation import SUSPENDED_SQL
from fedi.db.actors import Actor, pop_prefixed, prefixed_columns
from fedi.db.paging import IdWindow
from fedi.db.post_visibility import visible_sql

GROUP_VISIBILITIES = ("public", "members", "confidential")
JOIN_POLICIES = ("open", "approval", "invite")
ROLES = ("owner", "admin", "moderator", "member")
MEMBER_STATES = ("member", "pending", "invited", "banned")


@dataclass(frozen=True)
class GroupSettings:
    actor_id: int
    visibility: str
    join_policy: str
    language: str | None
    rules: list[str]
    created_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Group:
    """A local group: its actor (name, description, avatar, keys) and its settings."""

    actor: Actor
    settings: GroupSettings

    @property
    def id(self) -> int:
        return self.actor.id

    @property
    def visibility(self) -> str:
        return self.settings.visibility

    @property
    def uri(self) -> str:
        return self.actor.uri

    @property
    def members_url(self) -> str:
        return self.actor.uri + "/members"


@dataclass(frozen=True)
class Membership:
    group_id: int
    member_id: int
    role: str
    state: str
    request_uri: str | None
    request_type: str | None
    invited_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Space:
    id: int
    group_id: int
    uri: str
    slug: str
    name: str
    description: str
    visibility: str
    is_default: bool
    created_at: datetime


@dataclass(frozen=True)
class ModerationEntry:
    id: int
    group_id: int
    moderator_id: int | None
    action: str
    target_actor_id: int | None
    target_post_id: int | None
    reason: str
    created_at: datetime


_SETTINGS = ", ".join(f"g.{f.name}" for f in fields(GroupSettings))
_MEMBERSHIP = ", ".join(f"m.{f.name}" for f in fields(Membership))
_SPACE = ", ".join(f"s.{f.name}" for f in fields(Space))
_ENTRY = ", ".join(f.name for f in fields(ModerationEntry))


def _settings(row: Any) -> GroupSettings:
    values = dict(row)
    rules = values["rules"]
    values["rules"] = json.loads(rules) if isinstance(rules, str) else list(rules)
    return GroupSettings(**values)


async def insert_settings(
    conn: Any,
    actor_id: int,
    *,
    visibility: str,
    join_policy: str,
    language: str | None,
    rules: list[str],
    created_by: int | None,
) -> GroupSettings:
    row = await conn.fetchrow(
        "INSERT INTO groups AS g (actor_id, visibility, join_policy, language, rules, created_by)"
        f" VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING {_SETTINGS}",
        actor_id,
        visibility,
        join_policy,
        language,
        json.dumps(rules),
        created_by,
    )
    return _settings(row)


async def settings_of(conn: Any, actor_id: int) -> GroupSettings | None:
    row = await conn.fetchrow(f"SELECT {_SETTINGS} FROM groups g WHERE g.actor_id = $1", actor_id)
    return None if row is None else _settings(row)


async def settings_of_many(conn: Any, actor_ids: list[int]) -> dict[int, GroupSettings]:
    rows = await conn.fetch(
        f"SELECT {_SETTINGS} FROM groups g WHERE g.actor_id = ANY($1)", actor_ids
    )
    return {row["actor_id"]: _settings(row) for row in rows}


async def update_settings(conn: Any, actor_id: int, **values: Any) -> GroupSettings:
    allowed = {"visibility", "join_policy", "language", "rules"}
    unknown = values.keys() - allowed
    if unknown:
        raise ValueError(f"not group settings: {', '.join(sorted(unknown))}")
    if "rules" in values:
        values["rules"] = json.dumps(values["rules"])
    columns = list(values)
    assignments = ", ".join(
        f"{name} = ${i}" + ("::jsonb" if name == "rules" else "")
        for i, name in enumerate(columns, start=2)
    )
    row = await conn.fetchrow(
        f"UPDATE groups g SET {assignments + ', ' if assignments else ''}updated_at = now()"
        f" WHERE g.actor_id = $1 RETURNING {_SETTINGS}",
        actor_id,
        *(values[name] for name in columns),
    )
    if row is None:
        raise ValueError(f"actor {actor_id} is not a local group")
    return _settings(row)


async def list_settings(conn: Any) -> list[GroupSettings]:
    rows = await conn.fetch(f"SELECT {_SETTINGS} FROM groups g ORDER BY g.created_at, g.actor_id")
    return [_settings(row) for row in rows]


# Memberships


def _membership(row: Any) -> Membership | None:
    return None if row is None else Membership(**dict(row))


async def membership(conn: Any, group_id: int, member_id: int) -> Membership | None:
    return _membership(
        await conn.fetchrow(
            f"SELECT {_MEMBERSHIP} FROM group_members m WHERE m.group_id = $1 AND m.member_id = $2",
            group_id,
            member_id,
        )
    )


async def put_membership(
    conn: Any,
    group_id: int,
    member_id: int,
    *,
    state: str,
    role: str = "member",
    request_uri: str | None = None,
    request_type: str | None = None,
    invited_by: int | None = None,
) -> Membership:
    """Create or replace the row for (group, actor); the role of an existing member is kept
    unless a role is given explicitly other than 'member'."""
    row = await conn.fetchrow(
        "INSERT INTO group_members AS m (group_id, member_id, role, state, request_uri,"
        " request_type, invited_by) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (group_id, member_id) DO UPDATE SET state = EXCLUDED.state,"
        " role = CASE WHEN EXCLUDED.role = 'member' THEN m.role ELSE EXCLUDED.role END,"
        " request_uri = COALESCE(EXCLUDED.request_uri, m.request_uri),"
        " request_type = COALESCE(EXCLUDED.request_type, m.request_type),"
        " invited_by = COALESCE(EXCLUDED.invited_by, m.invited_by), updated_at = now()"
        f" RETURNING {_MEMBERSHIP}",
        group_id,
        member_id,
        role,
        state,
        request_uri,
        request_type,
        invited_by,
    )
    found = _membership(row)
    assert found is not None
    return found


async def set_role(conn: Any, group_id: int, member_id: int, role: str) -> Membership | None:
    return _membership(
        await conn.fetchrow(
            "UPDATE group_members m SET role = $3, updated_at = now()"
            f" WHERE m.group_id = $1 AND m.member_id = $2 RETURNING {_MEMBERSHIP}",
            group_id,
            member_id,
            role,
        )
    )


async def remove_membership(conn: Any, group_id: int, member_id: int) -> Membership | None:
    return _membership(
        await conn.fetchrow(
            "DELETE FROM group_members m WHERE m.group_id = $1 AND m.member_id = $2"
            f" RETURNING {_MEMBERSHIP}",
            group_id,
            member_id,
        )
    )


async def by_request_uri(conn: Any, request_uri: str) -> Membership | None:
    return _membership(
        await conn.fetchrow(
            f"SELECT {_MEMBERSHIP} FROM group_members m WHERE m.request_uri = $1", request_uri
        )
    )


async def members(
    conn: Any,
    group_id: int,
    *,
    states: tuple[str, ...] = ("member",),
    include_shielded: bool = True,
    remote_only: bool = False,
    max_id: int | None = None,
    limit: int | None = None,
) -> list[tuple[Membership, Actor]]:
    """Rows of the group in the given states with their actors, newest actor id first."""
    actor_columns = prefixed_columns("a", "a_")
    rows = await conn.fetch(
        f"SELECT {_MEMBERSHIP}, {actor_columns} FROM group_members m"
        " JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = $1 AND m.state = ANY($2)"
        " AND ($3 OR NOT a.shielded) AND (NOT $4 OR NOT a.local)"
        " AND ($5::bigint IS NULL OR a.id < $5) ORDER BY a.id DESC"
        + (" LIMIT $6" if limit is not None else ""),
        group_id,
        list(states),
        include_shielded,
        remote_only,
        max_id,
        *([limit] if limit is not None else []),
    )
    result = []
    for row in rows:
        values = dict(row)
        actor = pop_prefixed(values, "a_")
        result.append((Membership(**values), actor))
    return result


async def count_members(conn: Any, group_id: int, *, include_shielded: bool = True) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM group_members m JOIN actors a ON a.id = m.member_id"
            " WHERE m.group_id = $1 AND m.state = 'member' AND ($2 OR NOT a.shielded)",
            group_id,
            include_shielded,
        )
    )


async def member_inboxes(conn: Any, group_id: int) -> list[str]:
    """Shared (else personal) inboxes of the group's approved remote members."""
    rows = await conn.fetch(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox"
        " FROM group_members m JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = $1 AND m.state = 'member' AND NOT a.local",
        group_id,
    )
    return [row["inbox"] for row in rows]


async def member_domains(conn: Any, group_id: int, states: tuple[str, ...]) -> set[str]:
    rows = await conn.fetch(
        "SELECT DISTINCT a.domain FROM group_members m JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = $1 AND m.state = ANY($2) AND NOT a.local",
        group_id,
        list(states),
    )
    return {row["domain"] for row in rows}


# Spaces


def _space(row: Any) -> Space | None:
    return None if row is None else Space(**dict(row))


async def insert_space(
    conn: Any,
    *,
    group_id: int,
    uri: str,
    slug: str,
    name: str,
    description: str,
    visibility: str,
    is_default: bool,
) -> Space:
    row = await conn.fetchrow(
        "INSERT INTO spaces AS s (group_id, uri, slug, name, description, visibility, is_default)"
        f" VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_SPACE}",
        group_id,
        uri,
        slug,
        name,
        description,
        visibility,
        is_default,
    )
    space = _space(row)
    assert space is not None
    return space


async def space_by_id(conn: Any, space_id: int) -> Space | None:
    return _space(await conn.fetchrow(f"SELECT {_SPACE} FROM spaces s WHERE s.id = $1", space_id))


async def space_by_uri(conn: Any, uri: str) -> Space | None:
    return _space(await conn.fetchrow(f"SELECT {_SPACE} FROM spaces s WHERE s.uri = $1", uri))


async def space_by_slug(conn: Any, group_id: int, slug: str) -> Space | None:
    return _space(
        await conn.fetchrow(
            f"SELECT {_SPACE} FROM spaces s WHERE s.group_id = $1 AND s.slug = lower($2)",
            group_id,
            slug,
        )
    )


async def default_space(conn: Any, group_id: int) -> Space | None:
    return _space(
        await conn.fetchrow(
            f"SELECT {_SPACE} FROM spaces s WHERE s.group_id = $1 AND s.is_default", group_id
        )
    )


async def spaces_of(conn: Any, group_id: int) -> list[Space]:
    rows = await conn.fetch(
        f"SELECT {_SPACE} FROM spaces s WHERE s.group_id = $1 ORDER BY NOT s.is_default, s.id",
        group_id,
    )
    return [Space(**dict(row)) for row in rows]


async def update_space(conn: Any, space_id: int, **values: Any) -> Space:
    allowed = {"name", "description", "visibility"}
    unknown = values.keys() - allowed
    if unknown:
        raise ValueError(f"not space columns: {', '.join(sorted(unknown))}")
    columns = list(values)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    row = await conn.fetchrow(
        f"UPDATE spaces s SET {assignments or 'id = id'} WHERE s.id = $1 RETURNING {_SPACE}",
        space_id,
        *(values[name] for name in columns),
    )
    space = _space(row)
    if space is None:
        raise ValueError(f"no space {space_id}")
    return space


async def tighten_spaces(conn: Any, group_id: int, visibilities: tuple[str, ...], to: str) -> None:
    """Every space of the group whose visibility is one of `visibilities` becomes `to`."""
    await conn.execute(
        "UPDATE spaces SET visibility = $3 WHERE group_id = $1 AND visibility = ANY($2)",
        group_id,
        list(visibilities),
        to,
    )


async def move_post(conn: Any, post_id: int, space_id: int, visibility: str) -> None:
    await conn.execute(
        "UPDATE posts SET space_id = $2, visibility = $3 WHERE id = $1",
        post_id,
        space_id,
        visibility,
    )


async def set_post_group(
    conn: Any, post_id: int, group_id: int, space_id: int | None, visibility: str
) -> None:
    await conn.execute(
        "UPDATE posts SET group_id = $2, space_id = $3, visibility = $4 WHERE id = $1",
        post_id,
        group_id,
        space_id,
        visibility,
    )


async def space_post_ids(
    conn: Any, space_id: int, *, max_id: int | None = None, limit: int = 20
) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM posts WHERE space_id = $1 AND ($2::bigint IS NULL OR id < $2)"
        " ORDER BY id DESC LIMIT $3",
        space_id,
        max_id,
        limit,
    )
    return [row["id"] for row in rows]


# Pins and the moderation log


async def pin(conn: Any, group_id: int, post_id: int) -> None:
    await conn.execute(
        "INSERT INTO group_pins (group_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        group_id,
        post_id,
    )


async def unpin(conn: Any, group_id: int, post_id: int) -> None:
    await conn.execute(
        "DELETE FROM group_pins WHERE group_id = $1 AND post_id = $2", group_id, post_id
    )


async def pinned_post_ids(conn: Any, group_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT post_id FROM group_pins WHERE group_id = $1 ORDER BY pinned_at DESC", group_id
    )
    return [row["post_id"] for row in rows]


async def log_moderation(
    conn: Any,
    group_id: int,
    moderator_id: int | None,
    action: str,
    *,
    target_actor_id: int | None = None,
    target_post_id: int | None = None,
    reason: str = "",
) -> None:
    await conn.execute(
        "INSERT INTO group_moderation_log"
        " (group_id, moderator_id, action, target_actor_id, target_post_id, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        group_id,
        moderator_id,
        action,
        target_actor_id,
        target_post_id,
        reason,
    )


async def moderation_log(
    conn: Any, group_id: int, *, max_id: int | None = None, limit: int = 40
) -> list[ModerationEntry]:
    rows = await conn.fetch(
        f"SELECT {_ENTRY} FROM group_moderation_log WHERE group_id = $1"
        " AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        group_id,
        max_id,
        limit,
    )
    return [ModerationEntry(**dict(row)) for row in rows]


# Locks and tightening: a visibility change and a post written or moved at the same moment
# must not cross, or a post could keep a looser visibility than its group or space. Locks are
# always taken group first, then space, then post.


async def lock_settings(
    conn: Any, actor_id: int, *, for_update: bool = False
) -> GroupSettings | None:
    """The group's settings as committed now, locked until the caller's transaction ends: a
    share lock for those who write under the group's visibility, an update lock to change it."""
    mode = "UPDATE" if for_update else "SHARE"
    row = await conn.fetchrow(
        f"SELECT {_SETTINGS} FROM groups g WHERE g.actor_id = $1 FOR {mode}", actor_id
    )
    return None if row is None else _settings(row)


async def lock_space(conn: Any, space_id: int, *, for_update: bool = False) -> Space | None:
    mode = "UPDATE" if for_update else "SHARE"
    return _space(
        await conn.fetchrow(f"SELECT {_SPACE} FROM spaces s WHERE s.id = $1 FOR {mode}", space_id)
    )


async def lock_post_visibility(conn: Any, post_id: int) -> str | None:
    value = await conn.fetchval("SELECT visibility FROM posts WHERE id = $1 FOR UPDATE", post_id)
    return None if value is None else str(value)


async def tighten_group_posts(
    conn: Any, *, group_id: int, space_id: int | None, to: str
) -> list[str]:
    """Make the group's posts (or one space's) at least as strict as `to`, as
    fedi.domain.groups.group_post_visibility does for one post; the URIs of those changed.

    Under `members`, local-only posts become confidential (local members only) and every
    other looser one (public, unlisted, followers, direct) members; under `confidential`
    every post becomes confidential.
    """
    if to == "public":
        return []
    if to == "members":
        update = (
            "visibility = CASE WHEN visibility = 'local' THEN 'confidential' ELSE 'members' END"
        )
        condition = "visibility NOT IN ('members', 'confidential')"
    elif to == "confidential":
        update, condition = "visibility = 'confidential'", "visibility <> 'confidential'"
    else:
        raise ValueError(f"not a group visibility: {to}")
    rows = await conn.fetch(
        f"UPDATE posts SET {update} WHERE group_id = $1"
        f" AND ($2::bigint IS NULL OR space_id = $2) AND {condition} RETURNING uri",
        group_id,
        space_id,
    )
    return [row["uri"] for row in rows]


async def drop_remote_members(conn: Any, group_id: int) -> int:
    """Forget the group's remote members, requests, invitations and followers (a group turned
    confidential); a remote ban is kept, so that loosening the group later does not lift it."""
    removed = await conn.execute(
        "DELETE FROM group_members m USING actors a"
        " WHERE m.group_id = $1 AND a.id = m.member_id AND NOT a.local AND m.state <> 'banned'",
        group_id,
    )
    unfollowed = await conn.execute(
        "DELETE FROM follows f USING actors a"
        " WHERE f.followee_id = $1 AND a.id = f.follower_id AND NOT a.local",
        group_id,
    )
    return int(removed.split()[-1]) + int(unfollowed.split()[-1])


async def withdraw_deliveries(
    conn: Any, object_uris: list[str], *, actor_id: int | None = None, reason: str
) -> int:
    """Give up the pending deliveries of activities about these objects (and, with `actor_id`,
    of every activity of that actor): what became stricter must not go out as it was queued."""
    result = await conn.execute(
        "UPDATE deliveries d SET state = 'failed', last_error = $3, finished_at = now(),"
        " lease_until = NULL FROM activities a"
        " WHERE d.activity_id = a.id AND d.state = 'pending'"
        " AND (a.object_uri = ANY($1::text[]) OR a.actor_id = $2::bigint)",
        object_uris,
        actor_id,
        reason,
    )
    return int(result.split()[-1])


# Confidentiality


async def confidential_uris(conn: Any) -> list[str]:
    rows = await conn.fetch("SELECT uri FROM confidential_uris")
    return [row["uri"] for row in rows]


async def confidential_among(conn: Any, candidates: list[str]) -> list[str]:
    """Those of `candidates` (exact URIs) that are confidential."""
    if not candidates:
        return []
    rows = await conn.fetch(
        "SELECT DISTINCT uri FROM confidential_uris WHERE uri = ANY($1::text[])", candidates
    )
    return [row["uri"] for row in rows]


# Pages for the group API (fedi/api/groups.py and its neighbours)

# may_see_group as SQL on `groups g`: $1 the viewer's actor id (NULL: anonymous), $2 whether
# the viewer is local. Invited and pending accounts see what they were invited to or asked for.
_GROUP_VISIBLE_SQL = (
    "(g.visibility = 'public' OR ($1::bigint IS NOT NULL"
    " AND (g.visibility <> 'confidential' OR $2::boolean)"
    " AND EXISTS (SELECT 1 FROM group_members vm WHERE vm.group_id = g.actor_id"
    " AND vm.member_id = $1::bigint AND vm.state IN ('member', 'invited', 'pending'))))"
)


async def visible_group_ids(
    conn: Any,
    viewer_id: int | None,
    viewer_local: bool,
    window: IdWindow,
    *,
    member_only: bool = False,
) -> list[int]:
    """A page of the local groups the viewer may know of (only those the viewer is an approved
    member of, with `member_only`), newest first."""
    bounds, args = window.where("g.actor_id", 4)
    mine = (
        " AND EXISTS (SELECT 1 FROM group_members mm WHERE mm.group_id = g.actor_id"
        " AND mm.member_id = $1::bigint AND mm.state = 'member')"
        if member_only
        else ""
    )
    rows = await conn.fetch(
        f"SELECT g.actor_id FROM groups g WHERE {_GROUP_VISIBLE_SQL}{mine}"
        f" AND {bounds} ORDER BY {window.order('g.actor_id')} LIMIT $3",
        viewer_id,
        viewer_local,
        window.limit,
        *args,
    )
    return window.arrange([row["actor_id"] for row in rows])


async def space_status_ids(
    conn: Any, space_id: int, viewer_id: int | None, viewer_local: bool, window: IdWindow
) -> list[int]:
    """A page of the ids of a space's posts the viewer may see (visible_sql, may_see's SQL
    twin), newest first; suspended authors' posts are left out as everywhere else."""
    bounds, args = window.where("p.id", 5)
    rows = await conn.fetch(
        f"SELECT p.id FROM posts p WHERE p.space_id = $4 AND {visible_sql('p', '$1', '$2')}"
        f" AND p.actor_id NOT IN ({SUSPENDED_SQL}) AND {bounds}"
        f" ORDER BY {window.order('p.id')} LIMIT $3",
        viewer_id,
        viewer_local,
        window.limit,
        space_id,
        *args,
    )
    return window.arrange([row["id"] for row in rows])


async def memberships_of(conn: Any, member_id: int, group_ids: list[int]) -> dict[int, Membership]:
    """The actor's rows (any state) in each of the groups, by group id."""
    rows = await conn.fetch(
        f"SELECT {_MEMBERSHIP} FROM group_members m"
        " WHERE m.member_id = $1 AND m.group_id = ANY($2)",
        member_id,
        group_ids,
    )
    return {row["group_id"]: Membership(**dict(row)) for row in rows}


async def member_counts(conn: Any, group_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Approved members of each group: (all of them, those not shielded)."""
    rows = await conn.fetch(
        "SELECT m.group_id, count(*) AS everyone, count(*) FILTER (WHERE NOT a.shielded) AS seen"
        " FROM group_members m JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = ANY($1) AND m.state = 'member' GROUP BY m.group_id",
        group_ids,
    )
    return {row["group_id"]: (int(row["everyone"]), int(row["seen"])) for row in rows}


async def member_page(
    conn: Any, group_id: int, state: str, *, include_shielded: bool, window: IdWindow
) -> list[tuple[Membership, Actor]]:
    """A page of the group's rows in `state` with their actors, by actor id, newest first."""
    actor_columns = prefixed_columns("a", "a_")
    bounds, args = window.where("m.member_id", 5)
    rows = await conn.fetch(
        f"SELECT {_MEMBERSHIP}, {actor_columns} FROM group_members m"
        " JOIN actors a ON a.id = m.member_id"
        f" WHERE m.group_id = $1 AND m.state = $2 AND ($3 OR NOT a.shielded) AND {bounds}"
        f" ORDER BY {window.order('m.member_id')} LIMIT $4",
        group_id,
        state,
        include_shielded,
        window.limit,
        *args,
    )
    result = []
    for row in window.arrange(rows):
        values = dict(row)
        actor = pop_prefixed(values, "a_")
        result.append((Membership(**values), actor))
    return result


async def moderation_page(conn: Any, group_id: int, window: IdWindow) -> list[ModerationEntry]:
    bounds, args = window.where("id", 3)
    rows = await conn.fetch(
        f"SELECT {_ENTRY} FROM group_moderation_log WHERE group_id = $1 AND {bounds}"
        f" ORDER BY {window.order('id')} LIMIT $2",
        group_id,
        window.limit,
        *args,
    )
    return window.arrange([ModerationEntry(**dict(row)) for row in rows])


async def relay_inboxes(conn: Any, group_id: int, except_member_id: int | None = None) -> list[str]:
    """member_inboxes without one member's own: what the group relays from a remote member is
    not sent back to the author's node, unless another member there needs it."""
    rows = await conn.fetch(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox"
        " FROM group_members m JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = $1 AND m.state = 'member' AND NOT a.local"
        " AND ($2::bigint IS NULL OR m.member_id <> $2)",
        group_id,
        except_member_id,
    )
    return [row["inbox"] for row in rows]
