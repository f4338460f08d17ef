"""Groups for the client API tests: local groups with members in any state, remote Group actors
(as if resolved earlier) and posts filed in either, written straight to the tables."""

from datetime import UTC, datetime
from typing import Any

from activitypub.keys import generate_key_pair
from fedi.app import Node
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Space
from fedi.db.posts import Post
from fedi.domain.groups import NewGroup
from outbox.group_actions import GroupActions

_PUBLIC_PEM = generate_key_pair()[1]


async def make_group(
    node: Node,
    owner: Actor,
    username: str,
    visibility: str = "public",
    *,
    join_policy: str = "open",
    members: tuple[Actor, ...] = (),
) -> Group:
    """A local group owned by `owner`, with `members` approved at once (local or remote)."""
    group, _ = await GroupActions(node.publisher).create_group(
        owner,
        NewGroup(username=username, visibility=visibility, join_policy=join_policy),
    )
    for member in members:
        await set_membership(node, group, member, "member")
    return group


async def set_membership(node: Node, group: Group, actor: Actor, state: str) -> None:
    async with node.pool.acquire() as conn:
        await groups_db.put_membership(conn, group.id, actor.id, state=state)


async def add_space(node: Node, group: Group, owner: Actor, slug: str) -> Space:
    return await GroupActions(node.publisher).create_space(
        owner, group.id, slug=slug, name=slug.title()
    )


async def remote_group(node: Node, username: str, host: str = "remote.example") -> Actor:
    uri = f"https://{host}/c/{username}"
    async with node.pool.acquire() as conn:
        return await actors_db.upsert_remote(
            conn,
            uri=uri,
            actor_type="Group",
            username=username,
            domain=host,
            display_name=username,
            inbox_url=f"{uri}/inbox",
            shared_inbox_url=f"https://{host}/inbox",
            followers_url=f"{uri}/followers",
            url=uri,
            manually_approves_followers=False,
            key_id=f"{uri}#main-key",
            public_key_pem=_PUBLIC_PEM,
        )


async def follow(node: Node, follower: Actor, followee: Actor, *, accepted: bool = True) -> None:
    async with node.pool.acquire() as conn:
        uri = f"{follower.uri}#follows/{followee.id}"
        await follows_db.upsert(conn, uri, follower.id, followee.id, accepted=accepted)


async def group_post(
    node: Node,
    author: Actor,
    group_id: int | None,
    visibility: str,
    text: str = "",
    **values: Any,
) -> Post:
    """A post filed in a group (local or remote) with any visibility, by any author."""
    async with node.pool.acquire() as conn:
        post_id = await posts_db.next_id(conn)
        return await posts_db.insert(
            conn,
            id=post_id,
            uri=f"{author.uri}/statuses/{post_id}",
            actor_id=author.id,
            local=author.local,
            visibility=visibility,
            content=f"<p>{text or visibility}</p>",
            published_at=datetime.now(UTC),
            group_id=group_id,
            **values,
        )
