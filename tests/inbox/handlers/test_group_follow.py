"""Follow of a local group (Mastodon, Lemmy): joining, waiting, refusals, and Undo."""

import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from tests.support.groups import documents, make_group, membership, put_member, sent
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


def follow(actor: Actor, target_uri: str, n: int = 1) -> dict[str, str]:
    return {
        "id": f"{actor.uri}#follows/{n}",
        "type": "Follow",
        "actor": actor.uri,
        "object": target_uri,
    }


async def test_follow_of_open_public_group_makes_a_member_and_is_accepted(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    item = await receive(node, zoe, follow(zoe, group.uri))
    assert item.state == "done", item.last_error
    entry = await membership(node, group, zoe)
    assert entry is not None
    assert (entry.state, entry.request_uri, entry.request_type) == (
        "member",
        f"{zoe.uri}#follows/1",
        "Follow",
    )
    assert await sent(node) == [(group.uri, "Accept", zoe.inbox_url)]
    [accept] = await documents(node, "Accept")
    assert accept["object"]["type"] == "Follow"
    assert accept["object"]["id"] == f"{zoe.uri}#follows/1"
    assert accept["object"]["object"] == group.uri
    # A membership is no follows row: the group's followers are its members.
    assert await count(node, "follows") == 0


async def test_follow_of_approval_group_waits_without_answer(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, join_policy="approval")
    item = await receive(node, zoe, follow(zoe, group.uri))
    assert item.state == "done", item.last_error
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "pending"
    assert await sent(node) == []


async def test_follow_of_open_members_group_waits_for_a_moderator(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, visibility="members")
    await receive(node, zoe, follow(zoe, group.uri))
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "pending"
    assert await sent(node) == []


async def test_repeated_follow_of_a_member_is_accepted_again(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    await receive(node, zoe, follow(zoe, group.uri, 1))
    await receive(node, zoe, follow(zoe, group.uri, 2))
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.request_uri == f"{zoe.uri}#follows/2"
    accepted = [doc["object"]["id"] for doc in await documents(node, "Accept")]
    assert accepted == [f"{zoe.uri}#follows/1", f"{zoe.uri}#follows/2"]


async def test_banned_follower_is_rejected_and_stays_banned(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    await put_member(node, group, zoe, state="banned")
    item = await receive(node, zoe, follow(zoe, group.uri))
    assert item.state == "done", item.last_error
    assert await sent(node) == [(group.uri, "Reject", zoe.inbox_url)]
    [reject] = await documents(node, "Reject")
    assert reject["object"]["id"] == f"{zoe.uri}#follows/1"
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "banned"


async def test_invitation_only_group_rejects_a_follow(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    await receive(node, zoe, follow(zoe, group.uri))
    assert await membership(node, group, zoe) is None
    assert await sent(node) == [(group.uri, "Reject", zoe.inbox_url)]


async def test_follow_of_confidential_group_is_refused_and_never_answered(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, visibility="confidential")
    item = await receive(node, zoe, follow(zoe, group.uri))
    assert item.state == "refused"
    assert await membership(node, group, zoe) is None
    assert await count(node, "activities") == 0


async def test_undo_follow_ends_the_membership(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    original = follow(zoe, group.uri)
    await receive(node, zoe, original)
    undo = {"id": f"{zoe.uri}#undo/1", "type": "Undo", "actor": zoe.uri, "object": original}
    item = await receive(node, zoe, undo)
    assert item.state == "done", item.last_error
    assert await membership(node, group, zoe) is None


async def test_undo_by_id_alone_ends_the_membership(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    original = follow(zoe, group.uri)
    await receive(node, zoe, original)
    undo = {"id": f"{zoe.uri}#undo/1", "type": "Undo", "actor": zoe.uri, "object": original["id"]}
    await receive(node, zoe, undo)
    assert await membership(node, group, zoe) is None


async def test_undo_follow_does_not_lift_a_ban(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    await put_member(node, group, zoe, state="banned")
    original = follow(zoe, group.uri)
    undo = {"id": f"{zoe.uri}#undo/1", "type": "Undo", "actor": zoe.uri, "object": original}
    await receive(node, zoe, undo)
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "banned"


async def test_another_actors_undo_leaves_the_membership(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    group, _ = await make_group(node, alice)
    original = follow(zoe, group.uri)
    await receive(node, zoe, original)
    undo = {"id": f"{mallory.uri}#u", "type": "Undo", "actor": mallory.uri, "object": original}
    item = await receive(node, mallory, undo)
    assert item.state == "refused"
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "member"
