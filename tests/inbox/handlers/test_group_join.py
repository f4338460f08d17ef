"""Join and Leave of a local group (Mobilizon), and a remote invitee's answer to an Invite."""

from typing import Any

import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from outbox.group_actions import GroupActions
from tests.support.groups import documents, make_group, membership, put_member, sent
from tests.support.inbox import count, receive

pytestmark = pytest.mark.asyncio(loop_scope="session")


def join(actor: Actor, group_uri: str, n: int = 1) -> dict[str, Any]:
    return {"id": f"{actor.uri}#joins/{n}", "type": "Join", "actor": actor.uri, "object": group_uri}


def leave(actor: Actor, group_uri: str) -> dict[str, Any]:
    return {"id": f"{actor.uri}#leaves/1", "type": "Leave", "actor": actor.uri, "object": group_uri}


def answer(actor: Actor, verb: str, invite: Any, n: int = 1) -> dict[str, Any]:
    return {"id": f"{actor.uri}#answers/{n}", "type": verb, "actor": actor.uri, "object": invite}


async def invited(node: Node, owner: Actor, group_id: int, invitee: Actor) -> dict[str, Any]:
    """The group invites a remote person through GroupActions; returns the Invite it sent."""
    await GroupActions(node.publisher).invite(owner, group_id, invitee)
    [invite] = await documents(node, "Invite")
    return invite


async def test_join_of_open_group_is_accepted_in_its_own_verb(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    item = await receive(node, zoe, join(zoe, group.uri))
    assert item.state == "done", item.last_error
    entry = await membership(node, group, zoe)
    assert entry is not None
    assert (entry.state, entry.request_type) == ("member", "Join")
    assert await sent(node) == [(group.uri, "Accept", zoe.inbox_url)]
    [accept] = await documents(node, "Accept")
    assert accept["object"] == {
        "id": f"{zoe.uri}#joins/1",
        "type": "Join",
        "actor": zoe.uri,
        "object": group.uri,
    }


async def test_join_of_something_not_a_group_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    item = await receive(node, zoe, join(zoe, alice.uri))
    assert item.state == "refused"
    assert await count(node, "group_members") == 0


async def test_join_of_confidential_group_is_refused_and_never_answered(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, visibility="confidential")
    item = await receive(node, zoe, join(zoe, group.uri))
    assert item.state == "refused"
    assert await membership(node, group, zoe) is None
    assert await count(node, "activities") == 0


async def test_leave_ends_the_membership(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    await receive(node, zoe, join(zoe, group.uri))
    item = await receive(node, zoe, leave(zoe, group.uri))
    assert item.state == "done", item.last_error
    assert await membership(node, group, zoe) is None


async def test_undo_join_ends_the_membership(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    original = join(zoe, group.uri)
    await receive(node, zoe, original)
    await receive(node, zoe, answer(zoe, "Undo", original))
    assert await membership(node, group, zoe) is None


async def test_invitee_joins_an_invitation_only_group_by_accepting(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    invite = await invited(node, alice, group.id, zoe)
    assert invite["actor"] == group.uri
    assert invite["object"] == group.uri
    assert invite["target"] == zoe.uri
    # Mobilizon answers with the Invite's id.
    item = await receive(node, zoe, answer(zoe, "Accept", invite["id"]))
    assert item.state == "done", item.last_error
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "member"


async def test_invitee_may_accept_with_the_invite_embedded(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    invite = await invited(node, alice, group.id, zoe)
    await receive(node, zoe, answer(zoe, "Accept", {k: v for k, v in invite.items()}))
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "member"


async def test_invitee_joins_with_join_and_is_accepted(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    await invited(node, alice, group.id, zoe)
    await receive(node, zoe, join(zoe, group.uri))
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "member"
    assert [t for _, t, _ in await sent(node)] == ["Invite", "Accept"]


async def test_invitee_declines_with_reject(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    invite = await invited(node, alice, group.id, zoe)
    item = await receive(node, zoe, answer(zoe, "Reject", invite["id"]))
    assert item.state == "done", item.last_error
    assert await membership(node, group, zoe) is None


async def test_accepting_someone_elses_invitation_is_refused(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    invite = await invited(node, alice, group.id, zoe)
    item = await receive(node, mallory, answer(mallory, "Accept", invite["id"]))
    assert item.state == "refused"
    assert await membership(node, group, mallory) is None
    entry = await membership(node, group, zoe)
    assert entry is not None and entry.state == "invited"


async def test_member_leaving_is_not_reinstated_by_an_old_accept(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, join_policy="invite")
    await put_member(node, group, zoe)
    invite_id = f"{group.uri}#invites/old"
    await receive(node, zoe, leave(zoe, group.uri))
    item = await receive(node, zoe, answer(zoe, "Accept", invite_id))
    assert item.state == "refused"
    assert await membership(node, group, zoe) is None
