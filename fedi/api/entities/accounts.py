"""Actors as Mastodon Account entities (and the signed-in account's CredentialAccount)."""

from typing import Any

from fedi.api.entities.times import api_day
from fedi.db import status_views
from fedi.db.actors import Actor
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


async def accounts_to_json(conn: Any, urls: Urls, actors: list[Actor]) -> list[dict[str, Any]]:
    stats = await status_views.actor_stats(conn, [actor.id for actor in actors])
    return [account_to_json(actor, stats.get(actor.id, ActorStats()), urls) for actor in actors]


async def one_account(conn: Any, urls: Urls, actor: Actor) -> dict[str, Any]:
    return (await accounts_to_json(conn, urls, [actor]))[0]


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
