"""Rows for remote actors, as if resolved earlier, for tests that need no network."""

from typing import Any

from activitypub.keys import generate_key_pair
from fedi.db import actors as actors_db
from fedi.db.actors import Actor

_PUBLIC_PEM = generate_key_pair()[1]


async def remote_actor(
    pool: Any, username: str, host: str = "remote.example", *, locked: bool = False
) -> Actor:
    uri = f"https://{host}/users/{username}"
    async with pool.acquire() as conn:
        return await actors_db.upsert_remote(
            conn,
            uri=uri,
            actor_type="Person",
            username=username,
            domain=host,
            inbox_url=f"{uri}/inbox",
            shared_inbox_url=f"https://{host}/inbox",
            followers_url=f"{uri}/followers",
            url=f"https://{host}/@{username}",
            manually_approves_followers=locked,
            key_id=f"{uri}#main-key",
            public_key_pem=_PUBLIC_PEM,
        )
