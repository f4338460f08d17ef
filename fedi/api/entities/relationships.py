"""How the signed-in account stands to others, as Mastodon's Relationship entity.

To a local group, `following` means an approved member and `requested` a request a moderator
has yet to answer: the group's members are its followers here.
"""

from dataclasses import replace
from typing import Any

from fedi.api.entities.times import api_time
from fedi.db import group_accounts
from fedi.db import groups as groups_db
from fedi.db import relationships as relationships_db
from fedi.db import user_domain_blocks as user_domain_blocks_db
from fedi.db.actors import Actor
from fedi.db.relationships import Relationship


def relationship_to_json(
    relationship: Relationship, domain_blocking: bool = False
) -> dict[str, Any]:
    following = relationship.following or relationship.requested
    return {
        "id": str(relationship.target_id),
        "following": relationship.following,
        # The follow's options mean nothing without a follow, so Mastodon shows them off.
        "showing_reblogs": following and relationship.showing_reblogs,
        "notifying": following and relationship.notifying,
        "languages": relationship.languages if following else None,
        "followed_by": relationship.followed_by,
        "blocking": relationship.blocking,
        "blocked_by": relationship.blocked_by,
        "muting": relationship.muting,
        "muting_notifications": relationship.muting and relationship.muting_notifications,
        "muting_expires_at": api_time(relationship.muting_expires_at),
        "requested": relationship.requested,
        "requested_by": relationship.requested_by,
        # Neither endorsements nor private notes exist here yet.
        "domain_blocking": domain_blocking,
        "endorsed": False,
        "note": "",
    }


async def relationships_to_json(
    conn: Any, viewer: Actor, target_ids: list[int]
) -> list[dict[str, Any]]:
    """The viewer's relationship to each target, in the order given."""
    found = await relationships_db.of(conn, viewer.id, target_ids)
    groups = await groups_db.settings_of_many(conn, target_ids)
    if groups:
        states = await group_accounts.membership_states(conn, viewer.id, list(groups))
        for group_id in groups:
            state = states.get(group_id)
            found[group_id] = replace(
                found[group_id],
                following=state == "member",
                requested=state == "pending",
                # A membership has no follow options: show the defaults of a new follow.
                showing_reblogs=True,
                notifying=False,
                languages=None,
            )
    blocked_domains = await user_domain_blocks_db.blocked_among(conn, viewer.id, target_ids)
    return [
        relationship_to_json(found[target], target in blocked_domains)
        for target in target_ids
        if target in found
    ]


async def one_relationship(conn: Any, viewer: Actor, target: Actor) -> dict[str, Any]:
    return (await relationships_to_json(conn, viewer, [target.id]))[0]
