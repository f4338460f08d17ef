"""Local accounts: creating people, the instance actor, and the rules on their names."""

import re
from dataclasses import dataclass
from typing import Any

import asyncpg

from activitypub.keys import generate_key_pair
from fedi.db import actors as actors_db
from fedi.db import users as users_db
from fedi.db.actors import Actor
from fedi.domain.passwords import generate_password, hash_password
from fedi.errors import Conflict, InvalidInput
from fedi.urls import Urls

USERNAME = re.compile(r"^[A-Za-z0-9_]{1,30}$")
# Names that would collide with our own routes or confuse people reading a handle.
RESERVED_USERNAMES = frozenset(
    {"admin", "actor", "about", "api", "inbox", "instance", "root", "support", "webmaster"}
)


class InvalidUsername(InvalidInput):
    pass


class UsernameTaken(Conflict):
    pass


@dataclass(frozen=True)
class NewUser:
    actor: Actor
    password: str
    generated_password: bool


def check_username(username: str, *, allow_reserved: bool = False) -> None:
    if not USERNAME.match(username):
        raise InvalidUsername(
            f"username {username!r} must be 1 to 30 letters, digits or underscores"
        )
    if not allow_reserved and username.lower() in RESERVED_USERNAMES:
        raise InvalidUsername(f"username {username!r} is reserved")


async def create_local_actor(
    conn: Any,
    urls: Urls,
    domain: str,
    *,
    actor_type: str,
    username: str,
    display_name: str = "",
    summary: str = "",
    manually_approves_followers: bool = False,
    discoverable: bool = True,
) -> Actor:
    private_pem, public_pem = generate_key_pair()
    uri = urls.actor(actor_type, username)
    try:
        return await actors_db.insert_local(
            conn,
            uri=uri,
            actor_type=actor_type,
            username=username,
            domain=domain,
            display_name=display_name,
            summary=summary,
            url=urls.profile(actor_type, username),
            inbox_url=uri + "/inbox",
            outbox_url=uri + "/outbox",
            followers_url=uri + "/followers",
            following_url=uri + "/following",
            shared_inbox_url=urls.shared_inbox,
            manually_approves_followers=manually_approves_followers,
            discoverable=discoverable,
            key_id=urls.key_id(uri),
            public_key_pem=public_pem,
            private_key_pem=private_pem,
        )
    except asyncpg.UniqueViolationError as exc:
        raise UsernameTaken(f"the name {username!r} is already taken on this node") from exc


async def create_user(
    pool: Any,
    urls: Urls,
    domain: str,
    username: str,
    *,
    password: str | None = None,
    is_admin: bool = False,
) -> NewUser:
    check_username(username, allow_reserved=is_admin)
    generated = password is None
    secret = generate_password() if password is None else password
    if len(secret) < 8:
        raise InvalidInput("password must be at least 8 characters")
    async with pool.acquire() as conn, conn.transaction():
        actor = await create_local_actor(
            conn, urls, domain, actor_type="Person", username=username, display_name=username
        )
        await users_db.insert(conn, actor.id, hash_password(secret), is_admin)
    return NewUser(actor, secret, generated)


async def ensure_instance_actor(pool: Any, urls: Urls, host: str, domain: str) -> Actor:
    """The node's own Application actor, created once; it signs the node's fetches."""
    async with pool.acquire() as conn:
        existing = await actors_db.by_uri(conn, urls.actor("Application", host))
        if existing is not None:
            return existing
        try:
            return await create_local_actor(
                conn,
                urls,
                domain,
                actor_type="Application",
                username=host,
                summary="The instance actor of this node.",
                manually_approves_followers=True,
                discoverable=False,
            )
        except UsernameTaken:
            # Another process created it between our look-up and insert.
            found = await actors_db.by_uri(conn, urls.actor("Application", host))
            assert found is not None
            return found
