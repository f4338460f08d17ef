"""Remote groups seen from here: what their documents say, joining (Follow or Join), leaving,
and posting into them (addressing, visibility, delivery)."""

import json
from pathlib import Path
from typing import Any

import pytest

from activitypub.vocab import PUBLIC
from fedi.app import Node
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import remote_groups as remote_groups_db
from fedi.db.actors import Actor
from fedi.db.remote_groups import RemoteGroupFacts
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from fedi.domain.remote_groups import facts_from_document
from fedi.errors import Forbidden, InvalidInput
from tests.support.actors import remote_actor
from tests.support.inbox import count

ASYNC = pytest.mark.asyncio(loop_scope="session")
PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"


def fixture(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return document


async def remote_group(
    node: Node, name: str, host: str = "lemmy.example", facts: RemoteGroupFacts | None = None
) -> Actor:
    """A remote Group actor as if resolved earlier, with what its document said."""
    uri = f"https://{host}/c/{name}"
    async with node.pool.acquire() as conn:
        group = await actors_db.upsert_remote(
            conn,
            uri=uri,
            actor_type="Group",
            username=name,
            domain=host,
            inbox_url=f"{uri}/inbox",
            shared_inbox_url=f"https://{host}/inbox",
            followers_url=f"{uri}/followers",
            url=uri,
            key_id=f"{uri}#main-key",
            public_key_pem=(await remote_actor(node.pool, f"key-{name}", host)).public_key_pem,
        )
        await remote_groups_db.put(conn, group.id, facts or RemoteGroupFacts())
    return group


async def user(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def member_of(node: Node, member: Actor, group: Actor, *, accepted: bool = True) -> None:
    async with node.pool.acquire() as conn:
        await follows_db.upsert(
            conn, f"{member.uri}#follows/{group.id}", member.id, group.id, accepted=accepted
        )


async def shield(node: Node, actor: Actor) -> Actor:
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET shielded = true WHERE id = $1", actor.id)
        shielded = await actors_db.by_id(conn, actor.id)
    assert shielded is not None and shielded.shielded
    return shielded


async def sent(node: Node) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(type, document, inboxes) of every activity this node queued, in order."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.activity_type, a.document,"
            " coalesce(array_agg(d.inbox_url ORDER BY d.inbox_url)"
            " FILTER (WHERE d.inbox_url IS NOT NULL), '{}') AS inboxes"
            " FROM activities a LEFT JOIN deliveries d ON d.activity_id = a.id"
            " GROUP BY a.id ORDER BY a.id"
        )
    return [(row["activity_type"], row["document"], list(row["inboxes"])) for row in rows]


# What a group's document says


def test_a_lemmy_community_is_public_and_joined_by_follow() -> None:
    facts = facts_from_document(fixture("lemmy/group.json"))
    assert facts == RemoteGroupFacts(visibility="public", members_url=None, join_type="Follow")


def test_a_mobilizon_group_is_joined_by_join_and_has_a_members_collection() -> None:
    facts = facts_from_document(fixture("mobilizon/group.json"))
    assert facts.join_type == "Join"
    assert facts.members_url == "https://mobilizon.fr/@contribateliers/members"
    assert facts.visibility == "public"


def test_a_fedi_members_group_says_so_with_its_visibility_term() -> None:
    uri = "https://other.example/groups/lawyers"
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", {"fedi": "https://fedi.example/ns#"}],
        "id": uri,
        "type": "Group",
        "fedi:visibility": "members",
    }
    assert facts_from_document(document) == RemoteGroupFacts("members", f"{uri}/members", "Follow")
    aliased = {**document, "@context": [{"visibility": "fedi:visibility"}], "visibility": "members"}
    del aliased["fedi:visibility"]
    assert facts_from_document(aliased).visibility == "members"


def test_a_members_collection_on_another_host_is_ignored() -> None:
    document = {**fixture("mobilizon/group.json"), "members": "https://evil.example/members"}
    document["endpoints"] = {}
    assert facts_from_document(document).members_url is None


# Joining and leaving


@ASYNC
async def test_shielded_account_may_not_join_a_remote_group(node: Node) -> None:
    alice = await shield(node, await user(node, "alice"))
    group = await remote_group(node, "main")
    with pytest.raises(Forbidden, match="shielded"):
        await node.publisher.follow(alice, group)
    assert await count(node, "follows") == 0
    assert await count(node, "activities") == 0
    # Following a person is no membership: that stays allowed.
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    await node.publisher.follow(alice, zoe)
    assert [kind for kind, _, _ in await sent(node)] == ["Follow"]


@ASYNC
async def test_joining_a_lemmy_community_sends_follow_and_leaving_undo(node: Node) -> None:
    alice = await user(node, "alice")
    group = await remote_group(node, "main")
    follow = await node.publisher.follow(alice, group)
    await node.publisher.unfollow(alice, group)
    [(kind, document, inboxes), (undo, undone, _)] = await sent(node)
    assert (kind, document["id"], document["object"]) == ("Follow", follow.uri, group.uri)
    assert inboxes == [group.inbox_url]
    assert undo == "Undo" and undone["object"]["id"] == follow.uri


@ASYNC
async def test_joining_a_mobilizon_group_sends_join_and_leaving_leave(node: Node) -> None:
    alice = await user(node, "alice")
    facts = RemoteGroupFacts(members_url="https://mobilizon.example/c/fr/members", join_type="Join")
    group = await remote_group(node, "fr", "mobilizon.example", facts)
    follow = await node.publisher.follow(alice, group)
    await node.publisher.unfollow(alice, group)
    [(join, document, inboxes), (leave, left, leave_inboxes)] = await sent(node)
    assert (join, document["id"], document["object"]) == ("Join", follow.uri, group.uri)
    assert (leave, left["object"], left["actor"]) == ("Leave", group.uri, alice.uri)
    assert inboxes == leave_inboxes == [group.inbox_url]
    assert await count(node, "follows") == 0


# Posting into a remote group


@ASYNC
async def test_post_into_a_public_remote_group(node: Node) -> None:
    alice = await user(node, "alice")
    group = await remote_group(node, "main")
    await member_of(node, alice, group)
    follower = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(
            conn, "https://remote.example/f/1", follower.id, alice.id, accepted=True
        )
    post = await node.publisher.post(alice, Draft("hello community", group_id=group.id))
    assert (post.visibility, post.group_id) == ("public", group.id)
    assert post.to_uris == [PUBLIC, group.uri]
    assert post.cc_uris == [alice.followers_url]
    kind, create, inboxes = (await sent(node))[-1]
    assert kind == "Create" and create["object"]["audience"] == group.uri
    assert inboxes == sorted([group.inbox_url, "https://remote.example/inbox"])


@ASYNC
async def test_post_into_a_members_only_remote_group_goes_to_the_group_alone(node: Node) -> None:
    alice = await user(node, "alice")
    members = "https://other.example/c/lawyers/members"
    group = await remote_group(
        node, "lawyers", "other.example", RemoteGroupFacts("members", members)
    )
    await member_of(node, alice, group)
    follower = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(
            conn, "https://remote.example/f/1", follower.id, alice.id, accepted=True
        )
    post = await node.publisher.post(alice, Draft("for members", group_id=group.id))
    assert (post.visibility, post.group_id) == ("members", group.id)
    assert (post.to_uris, post.cc_uris) == ([members, group.uri], [])
    [(kind, create, inboxes)] = await sent(node)
    assert kind == "Create" and PUBLIC not in json.dumps(create)
    assert inboxes == [group.inbox_url]


@ASYNC
async def test_posting_into_a_remote_group_needs_an_accepted_membership(node: Node) -> None:
    alice = await user(node, "alice")
    group = await remote_group(node, "main")
    with pytest.raises(Forbidden, match="join it first"):
        await node.publisher.post(alice, Draft("let me in", group_id=group.id))
    await member_of(node, alice, group, accepted=False)
    with pytest.raises(Forbidden, match="join it first"):
        await node.publisher.post(alice, Draft("let me in", group_id=group.id))
    assert await count(node, "posts") == 0
    assert await count(node, "activities") == 0


@ASYNC
async def test_a_shielded_member_may_not_post_into_a_remote_group(node: Node) -> None:
    alice = await user(node, "alice")
    group = await remote_group(node, "main")
    await member_of(node, alice, group)  # joined before shielding the account
    alice = await shield(node, alice)
    with pytest.raises(Forbidden, match="shielded"):
        await node.publisher.post(alice, Draft("hello", group_id=group.id))
    assert await count(node, "posts") == 0


@ASYNC
async def test_a_local_only_post_cannot_go_into_a_remote_group(node: Node) -> None:
    alice = await user(node, "alice")
    group = await remote_group(node, "main")
    await member_of(node, alice, group)
    with pytest.raises(InvalidInput, match="cannot stay on this node"):
        await node.publisher.post(alice, Draft("here", visibility="local", group_id=group.id))


@ASYNC
async def test_a_public_reply_joins_the_groups_thread_and_a_direct_one_does_not(
    node: Node,
) -> None:
    alice = await user(node, "alice")
    group = await remote_group(node, "main")
    await member_of(node, alice, group)
    parent = await node.publisher.post(alice, Draft("a topic", group_id=group.id))
    reply = await node.publisher.post(alice, Draft("public answer", in_reply_to_id=parent.id))
    assert reply.group_id == group.id and group.uri in reply.to_uris
    direct = await node.publisher.post(
        alice, Draft("just you", visibility="direct", in_reply_to_id=parent.id)
    )
    assert direct.group_id is None and direct.visibility == "direct"
    assert group.uri not in direct.to_uris + direct.cc_uris


@ASYNC
async def test_edit_and_delete_of_a_remote_group_post_go_to_the_group(node: Node) -> None:
    alice = await user(node, "alice")
    members = "https://other.example/c/lawyers/members"
    group = await remote_group(
        node, "lawyers", "other.example", RemoteGroupFacts("members", members)
    )
    await member_of(node, alice, group)
    post = await node.publisher.post(alice, Draft("draft", group_id=group.id))
    await node.publisher.edit(alice, post.id, Draft("final", visibility="members"))
    await node.publisher.delete(alice, post.id)
    assert [(kind, inboxes) for kind, _, inboxes in await sent(node)] == [
        ("Create", [group.inbox_url]),
        ("Update", [group.inbox_url]),
        ("Delete", [group.inbox_url]),
    ]
