"""Groups, their spaces, members and moderation log as our group API (/api/fedi/v1) shows them.

The caller decides what the viewer may see: this module only renders. A group's member count
leaves out shielded members for anyone but the group's own members, as every directory does.
"""

from typing import Any

from fedi.api.entities.accounts import MISSING_AVATAR, accounts_to_json, acct_of
from fedi.api.entities.times import api_time
from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Membership, ModerationEntry, Space
from fedi.urls import Urls


def membership_to_json(found: Membership | None) -> dict[str, str] | None:
    return None if found is None else {"role": found.role, "state": found.state}


async def groups_to_json(
    conn: Any, urls: Urls, viewer: Actor | None, groups: list[Group]
) -> list[dict[str, Any]]:
    ids = [group.id for group in groups]
    mine = await groups_db.memberships_of(conn, viewer.id, ids) if viewer is not None else {}
    counts = await groups_db.member_counts(conn, ids)
    rendered = []
    for group in groups:
        found = mine.get(group.id)
        everyone, seen = counts.get(group.id, (0, 0))
        fellow = found is not None and found.state == "member"
        actor = group.actor
        rendered.append(
            {
                "id": str(group.id),
                "username": actor.username,
                "acct": acct_of(actor),
                "uri": actor.uri,
                "url": actor.url or actor.uri,
                "display_name": actor.display_name,
                "note": actor.summary,
                "avatar": actor.icon_url or urls.base + MISSING_AVATAR,
                "visibility": group.visibility,
                "join_policy": group.settings.join_policy,
                "language": group.settings.language,
                "rules": list(group.settings.rules),
                "member_count": everyone if fellow else seen,
                "created_at": api_time(group.settings.created_at),
                "membership": membership_to_json(found),
            }
        )
    return rendered


async def group_to_json(
    conn: Any, urls: Urls, viewer: Actor | None, group: Group
) -> dict[str, Any]:
    return (await groups_to_json(conn, urls, viewer, [group]))[0]


def space_to_json(space: Space) -> dict[str, Any]:
    return {
        "id": str(space.id),
        "group_id": str(space.group_id),
        "uri": space.uri,
        "slug": space.slug,
        "name": space.name,
        "description": space.description,
        "visibility": space.visibility,
        "is_default": space.is_default,
        "created_at": api_time(space.created_at),
    }


async def members_to_json(
    conn: Any, urls: Urls, rows: list[tuple[Membership, Actor]]
) -> list[dict[str, Any]]:
    accounts = await accounts_to_json(conn, urls, [actor for _, actor in rows])
    return [
        {
            "account": account,
            "role": found.role,
            "state": found.state,
            "created_at": api_time(found.created_at),
        }
        for (found, _), account in zip(rows, accounts, strict=True)
    ]


async def member_to_json(conn: Any, urls: Urls, found: Membership, actor: Actor) -> dict[str, Any]:
    return (await members_to_json(conn, urls, [(found, actor)]))[0]


async def moderation_log_to_json(
    conn: Any, urls: Urls, entries: list[ModerationEntry]
) -> list[dict[str, Any]]:
    wanted = {e.moderator_id for e in entries} | {e.target_actor_id for e in entries}
    actors = await actors_db.by_ids(conn, [i for i in wanted if i is not None])
    accounts = {
        int(account["id"]): account for account in await accounts_to_json(conn, urls, actors)
    }
    return [
        {
            "id": str(entry.id),
            "action": entry.action,
            # None when the node itself acted (the command line) or the account is gone.
            "account": accounts.get(entry.moderator_id) if entry.moderator_id else None,
            "target_account": (
                accounts.get(entry.target_actor_id) if entry.target_actor_id else None
            ),
            "target_status_id": (
                str(entry.target_post_id) if entry.target_post_id is not None else None
            ),
            "reason": entry.reason,
            "created_at": api_time(entry.created_at),
        }
        for entry in entries
    ]
