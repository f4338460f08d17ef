"""Actors as Mastodon Account entities (and the signed-in account's CredentialAccount).

A group (local or remote) is an account with `group: true`. Its counters depend on who asks:
`statuses_count` is the posts in the group the viewer may see, and for a local group
`followers_count` is its approved members the viewer may see (a shielded member counts only for
fellow members), so that the numbers never tell a viewer about posts or people hidden from them.
"""

from dataclasses import replace
from typing import Any

from fedi.api.entities.times import api_day
from fedi.db import status_views
from fedi.db.actors import Actor
from fedi.db.group_accounts import group_counts
from fedi.db.status_views import ActorStats
from fedi.urls import Urls

MISSING_AVATAR = "/static/avatar-missing.png"
MISSING_HEADER = "/static/header-missing.png"


def acct_of(actor: Actor) -> str:
    """A local account's bare username, `name@domain` for everyone else."""
    return actor.username if actor.local else f"{actor.username}@{actor.domain}"


def account_to_json(actor: Actor, stats: ActorStats, urls: Urls) -> dict[str, Any]:
    avatar = actor.icon_url or urls.base + MISSING_AVATAR
    header = actor.header_url or urls.base + MISSING_HEADER
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct_of(actor),
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        "display_name": actor.display_name,
        "note": actor.summary,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": actor.manually_approves_followers,
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
            for f in actor.fields
        ],
        "emojis": [],
        "bot": actor.bot or actor.actor_type in ("Service", "Application"),
        "group": actor.actor_type == "Group",
        "discoverable": actor.discoverable and not actor.shielded,
        "indexable": actor.discoverable and not actor.shielded,
        "noindex": not actor.discoverable or actor.shielded,
        "hide_collections": actor.hide_collections,
        "created_at": api_day(actor.created_at),
        "last_status_at": (
            f"{stats.last_status_at:%Y-%m-%d}" if stats.last_status_at is not None else None
        ),
        "statuses_count": stats.statuses_count,
        "followers_count": stats.followers_count,
        "following_count": stats.following_count,
        "roles": [],
    }


async def with_group_counts(
    conn: Any, pairs: list[tuple[Actor, ActorStats]], viewer: Actor | None
) -> list[tuple[Actor, ActorStats]]:
    """The pairs with each group's counters as the viewer may see them; one query, and only
    when there is a group among them."""
    group_ids = [actor.id for actor, _ in pairs if actor.actor_type == "Group"]
    if not group_ids:
        return pairs
    counts = await group_counts(
        conn, group_ids, viewer.id if viewer else None, bool(viewer and viewer.local)
    )
    out = []
    for actor, stats in pairs:
        found = counts.get(actor.id)
        if found is not None:
            stats = replace(
                stats,
                statuses_count=found.statuses,
                last_status_at=found.last_status_at,
                followers_count=stats.followers_count if found.members is None else found.members,
                following_count=0 if found.members is not None else stats.following_count,
            )
        out.append((actor, stats))
    return out


async def accounts_to_json(
    conn: Any, urls: Urls, actors: list[Actor], viewer: Actor | None = None
) -> list[dict[str, Any]]:
    """Account entities; groups' counters as `viewer` may see them (None: as anyone may)."""
    stats = await status_views.actor_stats(conn, [actor.id for actor in actors])
    pairs = await with_group_counts(
        conn, [(actor, stats.get(actor.id, ActorStats())) for actor in actors], viewer
    )
    return [account_to_json(actor, found, urls) for actor, found in pairs]


async def one_account(
    conn: Any, urls: Urls, actor: Actor, viewer: Actor | None = None
) -> dict[str, Any]:
    return (await accounts_to_json(conn, urls, [actor], viewer))[0]


async def credential_account(conn: Any, urls: Urls, actor: Actor) -> dict[str, Any]:
    """The signed-in account as verify_credentials shows it: with `source` and `role`."""
    account = await one_account(conn, urls, actor)
    user = await conn.fetchrow(
        "SELECT is_admin, default_visibility, default_sensitive, default_language,"
        " note_source, fields_source FROM users WHERE actor_id = $1",
        actor.id,
    )
    pending = await conn.fetchval(
        "SELECT count(*) FROM follows WHERE followee_id = $1 AND NOT accepted", actor.id
    )
    visibility = user["default_visibility"] if user else "public"
    account["source"] = {
        "privacy": "private" if visibility == "followers" else visibility,
        "sensitive": bool(user and user["default_sensitive"]),
        "language": user["default_language"] if user else None,
        "note": user["note_source"] if user else "",
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": None}
            for f in (user["fields_source"] if user else [])
        ],
        "follow_requests_count": int(pending),
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "hide_collections": actor.hide_collections,
        "attribution_domains": [],
        # fedi's own: an at-risk member left out of every collection other nodes see.
        "shielded": actor.shielded,
    }
    is_admin = bool(user and user["is_admin"])
    account["role"] = {
        "id": "3" if is_admin else "-99",
        "name": "Admin" if is_admin else "",
        "permissions": "1" if is_admin else "0",
        "color": "",
        "highlighted": is_admin,
    }
    return account
