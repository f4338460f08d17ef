"""Local groups over real HTTP: joining from another node, the group relaying its members' posts
both ways, members-only groups reaching their members only, confidential groups nobody."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.domain import posts as posts_domain
from fedi.domain.groups import NewGroup
from fedi.domain.posts import Draft
from outbox.group_actions import GroupActions, GroupChange
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def nodes(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[Member]]:
    folder: Path = tmp_path_factory.mktemp("groups")
    async with cluster(databases, folder, ["agora", "bay", "cove"]) as members:
        yield members


async def new_group(member: Member, owner: Actor, name: str, **settings: str) -> Group:
    group, _ = await GroupActions(member.node.publisher).create_group(
        owner, NewGroup(name, **settings)
    )
    return group


async def follow_accepted(member: Member, follower: Actor, followee_uri: str) -> bool:
    return bool(
        await member.value(
            "SELECT f.accepted FROM follows f JOIN actors a ON a.id = f.followee_id"
            " WHERE f.follower_id = $1 AND a.uri = $2",
            follower.id,
            followee_uri,
        )
    )


async def membership_state(member: Member, group: Group, actor_uri: str) -> str | None:
    value = await member.value(
        "SELECT m.state FROM group_members m JOIN actors a ON a.id = m.member_id"
        " WHERE m.group_id = $1 AND a.uri = $2",
        group.id,
        actor_uri,
    )
    return None if value is None else str(value)


async def has_post(member: Member, uri: str) -> bool:
    return bool(await member.value("SELECT count(*) FROM posts WHERE uri = $1", uri))


async def join(member: Member, person: Actor, group: Group) -> Actor:
    """The person follows the group from their node; returns the group as that node knows it."""
    remote = await member.remote(group.actor)
    await member.node.publisher.follow(person, remote)
    return remote


async def test_public_group_joined_from_another_node_relays_posts_both_ways(
    nodes: list[Member],
) -> None:
    agora, bay, cove = nodes
    alice = await agora.user("alice1")
    group = await new_group(agora, alice, "rights1", visibility="public", join_policy="open")
    bob = await bay.user("bob1")
    carol = await cove.user("carol1")
    await join(bay, bob, group)
    await join(cove, carol, group)
    await eventually(lambda: follow_accepted(bay, bob, group.uri), what="Accept on bay")
    await eventually(lambda: follow_accepted(cove, carol, group.uri), what="Accept on cove")
    assert await membership_state(agora, group, bob.uri) == "member"

    # A local member posts: bay has it from the group's Announce.
    post = await agora.node.publisher.post(alice, Draft("Vigil on Friday", group_id=group.id))
    await eventually(lambda: has_post(bay, post.uri), what="the group's post on bay")

    # Bob posts into the group from bay by mentioning it; agora files it and relays it to cove.
    handle = f"@{group.actor.username}@{agora.domain}"
    bobs = await bay.node.publisher.post(bob, Draft(f"{handle} bring candles"))

    async def filed() -> bool:
        found = await agora.value("SELECT group_id FROM posts WHERE uri = $1", bobs.uri)
        return found == group.id

    await eventually(filed, what="bob's post in the group on agora")
    await eventually(lambda: has_post(cove, bobs.uri), what="bob's post relayed to cove")
    announced = await agora.rows(
        "SELECT d.inbox_url FROM deliveries d JOIN activities a ON a.id = d.activity_id"
        " WHERE a.activity_type = 'Announce' AND a.object_uri = $1",
        bobs.uri,
    )
    assert [row["inbox_url"] for row in announced] == [f"{cove.process.base_url}/inbox"]


async def test_members_group_reaches_its_approved_members_only(nodes: list[Member]) -> None:
    agora, bay, cove = nodes
    alice = await agora.user("alice2")
    group = await new_group(agora, alice, "lawyers2", visibility="members", join_policy="approval")
    bob = await bay.user("bob2")
    dora = await bay.user("dora2")  # on bob's node, no member
    # A members group is unknown to other nodes until someone there is invited (or asks).
    await GroupActions(agora.node.publisher).invite(alice, group.id, await agora.remote(bob))
    await join(bay, bob, group)
    await eventually(lambda: follow_accepted(bay, bob, group.uri), what="the Accept on bay")
    assert await membership_state(agora, group, bob.uri) == "member"

    post = await agora.node.publisher.post(alice, Draft("Hearing notes", group_id=group.id))
    await eventually(lambda: has_post(bay, post.uri), what="the members post on bay")
    async with bay.pool.acquire() as conn:
        copy = await posts_domain.visible_post(conn, bob, await bay_post_id(bay, post.uri))
        assert copy.visibility == "members"
        assert not await posts_domain.may_see(conn, copy, dora)
    # Nothing of it reached cove, which has no member.
    received = await cove.value(
        "SELECT count(*) FROM inbox_items WHERE document::text LIKE $1", f"%{post.uri}%"
    )
    assert received == 0
    inboxes = await agora.rows(
        "SELECT DISTINCT d.inbox_url FROM deliveries d JOIN activities a ON a.id = d.activity_id"
        " WHERE a.object_uri = $1",
        post.uri,
    )
    assert [row["inbox_url"] for row in inboxes] == [f"{bay.process.base_url}/inbox"]


async def bay_post_id(bay: Member, uri: str) -> int:
    return int(await bay.value("SELECT id FROM posts WHERE uri = $1", uri))


async def test_confidential_group_refuses_a_follow_and_sends_nothing(
    nodes: list[Member],
) -> None:
    agora, bay, _ = nodes
    alice = await agora.user("alice3")
    # Public long enough for bay to learn its address; then it becomes confidential.
    group = await new_group(agora, alice, "safe3", visibility="public", join_policy="open")
    bob = await bay.user("bob3")
    remote = await bay.remote(group.actor)
    await GroupActions(agora.node.publisher).update_group(
        alice, group.id, GroupChange(visibility="confidential")
    )
    await bay.node.publisher.follow(bob, remote)
    post = await agora.node.publisher.post(alice, Draft("The safe house moved", group_id=group.id))

    async def follow_settled() -> bool:
        """Bay's Follow was delivered (and refused) or given up on: no pending delivery."""
        pending = await bay.value(
            "SELECT count(*) FROM deliveries d JOIN activities a ON a.id = d.activity_id"
            " WHERE a.activity_type = 'Follow' AND d.state NOT IN ('done', 'failed')"
            " AND d.inbox_url LIKE $1",
            f"{agora.process.base_url}%",
        )
        return pending == 0

    await eventually(follow_settled, what="bay's Follow to settle")
    assert not await follow_accepted(bay, bob, group.uri)
    assert await membership_state(agora, group, bob.uri) is None
    leaked = await agora.value(
        "SELECT count(*) FROM activities WHERE document::text LIKE $1 OR document::text LIKE $2",
        f"%{group.uri}%",
        f"%{post.uri}%",
    )
    assert leaked == 0
    assert not await has_post(bay, post.uri)
