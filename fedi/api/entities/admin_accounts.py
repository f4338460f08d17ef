"""Accounts as moderators see them: Mastodon's Admin::Account entity."""

from typing import Any

from fedi.api.entities.accounts import accounts_to_json
from fedi.api.entities.times import api_time
from fedi.db import account_moderation as moderation_db
from fedi.db.account_moderation import Standing, UserFacts
from fedi.db.actors import Actor
from fedi.urls import Urls


def role_of(user: UserFacts) -> dict[str, Any]:
    """The Role entity, as verify_credentials shows it: Admin, or the role everyone has."""
    return {
        "id": "3" if user.is_admin else "-99",
        "name": "Admin" if user.is_admin else "",
        "permissions": "1" if user.is_admin else "0",
        "color": "",
        "highlighted": user.is_admin,
    }


def admin_account_to_json(
    actor: Actor, account: dict[str, Any], standing: Standing, user: UserFacts | None
) -> dict[str, Any]:
    # Mastodon's Account entity says so too, for clients that show the state on a profile.
    if standing.suspended:
        account = {**account, "suspended": True}
    if standing.silenced:
        account = {**account, "limited": True}
    return {
        "id": str(actor.id),
        "username": actor.username,
        # Mastodon's local accounts have no domain.
        "domain": None if actor.local else actor.domain,
        "created_at": api_time(actor.created_at),
        "email": None if user is None else user.email,
        # Sign-in addresses are not recorded here: a record of members' IPs is a liability.
        "ip": None,
        "ips": [],
        "role": None if user is None else role_of(user),
        # No e-mail step: a sign-up is confirmed as it is made; approval may be waited for.
        "confirmed": user is not None,
        "approved": user is not None and user.approved,
        "suspended": standing.suspended,
        "silenced": standing.silenced,
        "sensitized": standing.sensitized,
        "disabled": user is not None and standing.disabled,
        "locale": None if user is None else user.locale,
        "invite_request": None if user is None else user.sign_up_reason,
        "account": account,
    }


async def admin_accounts_to_json(
    conn: Any, urls: Urls, actors: list[Actor]
) -> list[dict[str, Any]]:
    ids = [actor.id for actor in actors]
    standings = await moderation_db.standings(conn, ids)
    users = await moderation_db.user_facts(conn, ids)
    accounts = await accounts_to_json(conn, urls, actors)
    return [
        admin_account_to_json(actor, account, standings[actor.id], users.get(actor.id))
        for actor, account in zip(actors, accounts, strict=True)
    ]


async def one_admin_account(conn: Any, urls: Urls, actor: Actor) -> dict[str, Any]:
    return (await admin_accounts_to_json(conn, urls, [actor]))[0]
