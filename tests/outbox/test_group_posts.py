"""Local members posting into a local group: who hears of the post, its edits and its end;
a confidential group's post leaves no trace outside the node."""

from typing import Any

import pytest

from activitypub.vocab import PUBLIC
from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain import groups
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from tests.support.actors import remote_actor
from tests.support.groups import documents, everything_sent, make_group, put_member, sent

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def setup(node: Node, visibility: str) -> tuple[Actor, Any, Any, Actor, Actor]:
    """Alice owns a group; Rita (far.example) is its remote member; Fred (fans.example) follows
    Alice but is no member."""
    alice = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    group, general = await make_group(node, alice, visibility=visibility)
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita)
    fred = await remote_actor(node.pool, "fred", "fans.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{fred.uri}#f", fred.id, alice.id, accepted=True)
    return alice, group, general, rita, fred


async def test_public_group_post_goes_to_followers_and_is_announced_to_members(
    node: Node,
) -> None:
    alice, group, general, _, _ = await setup(node, "public")
    post = await node.publisher.post(alice, Draft("Vigil on Friday", group_id=group.id))
    assert await sent(node) == [
        (alice.uri, "Create", "https://fans.example/inbox"),
        (group.uri, "Announce", "https://far.example/inbox"),
    ]
    [create] = await documents(node, "Create")
    note = create["object"]
    assert note["audience"] == group.uri
    assert note["target"] == {
        "type": "OrderedCollection",
        "id": general.uri,
        "attributedTo": group.uri,
    }
    assert note["to"] == [PUBLIC, group.uri]
    [announce] = await documents(node, "Announce")
    assert (announce["actor"], announce["object"]) == (group.uri, post.uri)
    assert announce["id"] == f"{group.uri}#announces/{post.id}"


async def test_members_group_post_goes_to_members_only(node: Node) -> None:
    alice, group, _, _, _ = await setup(node, "members")
    await node.publisher.post(alice, Draft("for us", group_id=group.id))
    # Fred follows Alice but is no member: nothing reaches his server.
    assert await sent(node) == [
        (alice.uri, "Create", "https://far.example/inbox"),
        (group.uri, "Announce", "https://far.example/inbox"),
    ]
    [create] = await documents(node, "Create")
    assert create["object"]["to"] == [group.members_url, group.uri]
    assert PUBLIC not in await everything_sent(node)


async def test_members_space_of_a_public_group_keeps_its_posts_to_members(node: Node) -> None:
    alice, group, _, _, _ = await setup(node, "public")
    async with node.pool.acquire() as conn:
        inner = await groups.create_space(
            conn, group, alice, slug="inner", name="Inner", visibility="members"
        )
    post = await node.publisher.post(alice, Draft("inner", group_id=group.id, space_id=inner.id))
    assert post.visibility == "members"
    assert [inbox for _, _, inbox in await sent(node)] == ["https://far.example/inbox"] * 2


async def test_mention_of_an_outsider_in_a_members_post_reaches_nobody_outside(
    node: Node,
) -> None:
    alice, group, _, _, _ = await setup(node, "members")
    await remote_actor(node.pool, "olga", "outside.example")
    await node.publisher.post(alice, Draft("hi @olga@outside.example", group_id=group.id))
    assert {inbox for _, _, inbox in await sent(node)} == {"https://far.example/inbox"}


async def test_confidential_group_post_leaves_nothing(node: Node) -> None:
    alice = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    group, _ = await make_group(node, alice, visibility="confidential")
    fred = await remote_actor(node.pool, "fred", "fans.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{fred.uri}#f", fred.id, alice.id, accepted=True)
    post = await node.publisher.post(alice, Draft("the safe house moved", group_id=group.id))
    await node.publisher.edit(alice, post.id, Draft("moved again", visibility="confidential"))
    await node.publisher.delete(alice, post.id)
    assert await sent(node) == []
    assert await everything_sent(node) == ""


async def test_edit_reaches_followers_and_members(node: Node) -> None:
    alice, group, _, _, _ = await setup(node, "public")
    post = await node.publisher.post(alice, Draft("Vigil on Friday", group_id=group.id))
    before = len(await sent(node))
    await node.publisher.edit(alice, post.id, Draft("Vigil on Saturday", visibility="public"))
    assert sorted((await sent(node))[before:]) == [
        (alice.uri, "Update", "https://fans.example/inbox"),
        (alice.uri, "Update", "https://far.example/inbox"),
    ]
    [update] = await documents(node, "Update")
    assert update["object"]["audience"] == group.uri


async def test_delete_of_members_post_reaches_members_only(node: Node) -> None:
    alice, group, _, _, _ = await setup(node, "members")
    post = await node.publisher.post(alice, Draft("for us", group_id=group.id))
    before = len(await sent(node))
    await node.publisher.delete(alice, post.id)
    assert (await sent(node))[before:] == [(alice.uri, "Delete", "https://far.example/inbox")]


async def test_like_of_a_members_post_goes_to_its_author_only(node: Node) -> None:
    alice, group, _, rita, _ = await setup(node, "members")
    async with node.pool.acquire() as conn:
        space = await groups.space_for_post(conn, group, None)
        await conn.execute(
            "INSERT INTO posts (uri, actor_id, local, visibility, content, published_at,"
            " group_id, space_id) VALUES ($1, $2, false, 'members', 'x', now(), $3, $4)",
            f"{rita.uri}/statuses/1",
            rita.id,
            group.id,
            space.id,
        )
        post_id = await conn.fetchval(
            "SELECT id FROM posts WHERE uri = $1", f"{rita.uri}/statuses/1"
        )
    await node.publisher.like(alice, post_id)
    assert await sent(node) == [(alice.uri, "Like", rita.inbox_url)]
    [like] = await documents(node, "Like")
    assert PUBLIC not in str(like)


async def test_undoing_a_boost_of_a_post_since_made_confidential_sends_nothing(
    node: Node,
) -> None:
    """The boost went out while the group was public; its Undo would name a now-confidential
    post, so the boost is withdrawn here and nothing is sent."""
    alice, group, _, _, fred = await setup(node, "public")
    bob = (await create_user(node.pool, node.urls, node.settings.domain, "bob")).actor
    await put_member(node, group, bob)
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{fred.uri}#fb", fred.id, bob.id, accepted=True)
    post = await node.publisher.post(alice, Draft("soon secret", group_id=group.id))
    await node.publisher.boost(bob, post.id)
    async with node.pool.acquire() as conn, conn.transaction():
        refreshed = await groups.group_by_id(conn, group.id)
        assert refreshed is not None
        await groups.set_visibility(conn, refreshed, alice, "confidential")
    before = await sent(node)

    await node.publisher.unboost(bob, post.id)

    assert await sent(node) == before
    boosts = await node.pool.fetchval("SELECT count(*) FROM boosts WHERE post_id = $1", post.id)
    assert boosts == 0
