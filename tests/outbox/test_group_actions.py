"""What other nodes hear of group moderation: answers to requests, invitations, bans, removed
posts and profile changes; nothing naming a moderator, and nothing at all of a confidential
group."""

from typing import Any

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from outbox.group_actions import GroupActions, GroupChange
from tests.support.actors import remote_actor
from tests.support.groups import (
    documents,
    everything_sent,
    make_group,
    membership,
    put_member,
    sent,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def local(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def moderated(node: Node, **group: Any) -> tuple[GroupActions, Actor, Actor, Any]:
    """Alice owns a group in which Mo is a moderator."""
    alice = await local(node, "alice")
    mo = await local(node, "mo")
    made, _ = await make_group(node, alice, **group)
    await put_member(node, made, mo, role="moderator")
    return GroupActions(node.publisher), alice, mo, made


async def test_approving_a_request_accepts_it_in_its_verb(node: Node) -> None:
    actions, _, mo, group = await moderated(node, join_policy="approval")
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita, state="pending", request_type="Join")
    await actions.answer_request(mo, group.id, rita.id, accept=True)
    assert await sent(node) == [(group.uri, "Accept", rita.inbox_url)]
    [accept] = await documents(node, "Accept")
    assert accept["object"] == {
        "id": f"{rita.uri}#joins/{group.id}",
        "type": "Join",
        "actor": rita.uri,
        "object": group.uri,
    }
    assert mo.uri not in await everything_sent(node)


async def test_refusing_a_request_rejects_it(node: Node) -> None:
    actions, _, mo, group = await moderated(node, join_policy="approval")
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita, state="pending")
    await actions.answer_request(mo, group.id, rita.id, accept=False)
    assert await membership(node, group, rita) is None
    [reject] = await documents(node, "Reject")
    assert reject["object"]["type"] == "Follow"
    assert await sent(node) == [(group.uri, "Reject", rita.inbox_url)]


async def test_answering_a_local_request_sends_nothing(node: Node) -> None:
    actions, _, mo, group = await moderated(node, join_policy="approval")
    bo = await local(node, "bo")
    await actions.join(bo, group.id)
    await actions.answer_request(mo, group.id, bo.id, accept=True)
    await actions.leave(bo, group.id)
    assert await everything_sent(node) == ""


async def test_inviting_a_remote_person_sends_an_invite_from_the_group(node: Node) -> None:
    actions, _, mo, group = await moderated(node, join_policy="invite")
    rita = await remote_actor(node.pool, "rita", "far.example")
    await actions.invite(mo, group.id, rita)
    assert await sent(node) == [(group.uri, "Invite", rita.inbox_url)]
    [invite] = await documents(node, "Invite")
    assert (invite["actor"], invite["object"], invite["target"]) == (group.uri, group.uri, rita.uri)
    assert invite["id"].startswith(f"{group.uri}#invites/")
    # The inviting moderator stays unnamed.
    assert mo.uri not in await everything_sent(node)


async def test_inviting_someone_who_asked_accepts_their_request(node: Node) -> None:
    actions, _, mo, group = await moderated(node, join_policy="approval")
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita, state="pending")
    await actions.invite(mo, group.id, rita)
    assert [t for _, t, _ in await sent(node)] == ["Accept"]


async def test_ban_rejects_and_blocks_and_unban_undoes_the_block(node: Node) -> None:
    actions, _, mo, group = await moderated(node)
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita)
    await actions.ban(mo, group.id, rita.id, "spam")
    assert await sent(node) == [
        (group.uri, "Reject", rita.inbox_url),
        (group.uri, "Block", rita.inbox_url),
    ]
    [block] = await documents(node, "Block")
    assert block["object"] == rita.uri
    await actions.unban(mo, group.id, rita.id)
    [undo] = await documents(node, "Undo")
    assert undo["object"]["id"] == block["id"]
    assert (await sent(node))[-1] == (group.uri, "Undo", rita.inbox_url)
    text = await everything_sent(node)
    assert mo.uri not in text and "spam" not in text


async def test_removing_a_remote_members_post_is_relayed_in_the_groups_name(node: Node) -> None:
    actions, _, mo, group = await moderated(node)
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita)
    await put_member(node, group, await remote_actor(node.pool, "yuri", "other.example"))
    async with node.pool.acquire() as conn:
        post_id = await conn.fetchval(
            "INSERT INTO posts (uri, actor_id, local, visibility, content, published_at, group_id)"
            " VALUES ($1, $2, false, 'public', 'spam', now(), $3) RETURNING id",
            f"{rita.uri}/statuses/1",
            rita.id,
            group.id,
        )
    await actions.remove_post(mo, group.id, post_id, "off topic")
    [announce] = await documents(node, "Announce")
    removal = announce["object"]
    assert (removal["type"], removal["actor"]) == ("Delete", group.uri)
    assert removal["object"]["id"] == f"{rita.uri}/statuses/1"
    # Every member's node hears it, the author's included.
    assert sorted(inbox for _, _, inbox in await sent(node)) == [
        "https://far.example/inbox",
        "https://other.example/inbox",
    ]
    text = await everything_sent(node)
    assert mo.uri not in text and "off topic" not in text


async def test_removing_a_local_members_post_deletes_it_everywhere(node: Node) -> None:
    actions, alice, mo, group = await moderated(node)
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita)
    fred = await remote_actor(node.pool, "fred", "fans.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{fred.uri}#f", fred.id, alice.id, accepted=True)
    post = await node.publisher.post(alice, Draft("oops", group_id=group.id))
    before = len(await sent(node))
    await actions.remove_post(mo, group.id, post.id)
    assert sorted((await sent(node))[before:]) == [
        (alice.uri, "Delete", "https://fans.example/inbox"),
        (alice.uri, "Delete", "https://far.example/inbox"),
    ]


async def test_profile_change_is_sent_to_members_as_the_group_document(node: Node) -> None:
    actions, alice, _, group = await moderated(node, visibility="members")
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita)
    await actions.update_group(alice, group.id, GroupChange(display_name="Lawyers"))
    assert await sent(node) == [(group.uri, "Update", "https://far.example/inbox")]
    [update] = await documents(node, "Update")
    assert update["object"]["name"] == "Lawyers"
    assert update["object"]["type"] == "Group"
    assert update["to"] == [group.members_url]


async def test_making_a_group_confidential_says_nothing_and_drops_remote_members(
    node: Node,
) -> None:
    actions, alice, _, group = await moderated(node)
    rita = await remote_actor(node.pool, "rita", "far.example")
    await put_member(node, group, rita)
    await actions.update_group(
        alice, group.id, GroupChange(display_name="Safe house", visibility="confidential")
    )
    assert await membership(node, group, rita) is None
    assert await everything_sent(node) == ""
