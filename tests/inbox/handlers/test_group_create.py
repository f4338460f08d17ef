"""Create addressed to a local group: members' posts go into the group and are relayed by it;
everyone else's are refused, and anything aimed at a confidential group is refused unanswered."""

from typing import Any

import pytest

from activitypub.vocab import PUBLIC
from fedi.app import Node
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.domain import groups
from tests.support.actors import remote_actor
from tests.support.groups import documents, make_group, put_member, sent
from tests.support.inbox import count, receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def stored(node: Node, uri: str) -> Any:
    async with node.pool.acquire() as conn:
        return await posts_db.by_uri(conn, uri)


def to_group(author: Actor, n: int, group: Group, text: str = "hello", **extra: Any) -> Any:
    """A public post to the group as Lemmy sends one: to Public, cc the group, audience set."""
    obj = note(author, n, text, cc=[group.uri], audience=group.uri, **extra)
    return create(author, obj)


async def test_members_post_goes_into_the_default_space_and_is_announced(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, general = await make_group(node, alice)
    await put_member(node, group, zoe)
    other = await remote_actor(node.pool, "yuri", "other.example")
    await put_member(node, group, other)
    activity = to_group(zoe, 1, group)
    item = await receive(node, zoe, activity)
    assert item.state == "done", item.last_error
    post = await stored(node, activity["object"]["id"])
    assert (post.group_id, post.space_id, post.visibility) == (group.id, general.id, "public")
    # Relayed to the other member's node, not back to the author's.
    assert await sent(node) == [(group.uri, "Announce", "https://other.example/inbox")]
    [announce] = await documents(node, "Announce")
    assert announce["object"] == post.uri
    assert announce["audience"] == group.uri
    assert announce["to"] == [PUBLIC]


async def test_target_names_the_space(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    async with node.pool.acquire() as conn:
        campaign = await groups.create_space(conn, group, alice, slug="campaign", name="Campaign")
    await put_member(node, group, zoe)
    target = {"type": "OrderedCollection", "id": campaign.uri, "attributedTo": group.uri}
    activity = to_group(zoe, 1, group, target=target)
    await receive(node, zoe, activity)
    post = await stored(node, activity["object"]["id"])
    assert post.space_id == campaign.id


async def test_a_hashtag_names_the_space(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    async with node.pool.acquire() as conn:
        campaign = await groups.create_space(conn, group, alice, slug="campaign", name="Campaign")
    await put_member(node, group, zoe)
    tag = [{"type": "Hashtag", "name": "#Campaign", "href": "https://remote.example/tags/c"}]
    activity = to_group(zoe, 1, group, tag=tag)
    await receive(node, zoe, activity)
    post = await stored(node, activity["object"]["id"])
    assert post.space_id == campaign.id


async def test_mastodon_mention_of_the_group_posts_into_it(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, general = await make_group(node, alice)
    await put_member(node, group, zoe)
    mention = [{"type": "Mention", "href": group.uri, "name": "@rights@fedi.test"}]
    activity = create(zoe, note(zoe, 1, "@rights hello", tag=mention, cc=[zoe.followers_url]))
    item = await receive(node, zoe, activity)
    assert item.state == "done", item.last_error
    post = await stored(node, activity["object"]["id"])
    assert (post.group_id, post.space_id) == (group.id, general.id)


async def test_reply_to_a_group_post_stays_in_its_group(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, general = await make_group(node, alice)
    await put_member(node, group, zoe)
    first = to_group(zoe, 1, group)
    await receive(node, zoe, first)
    reply = create(zoe, note(zoe, 2, "and more", inReplyTo=first["object"]["id"]))
    await receive(node, zoe, reply)
    post = await stored(node, reply["object"]["id"])
    assert (post.group_id, post.space_id) == (group.id, general.id)


async def test_members_group_post_becomes_members_only_and_is_relayed_to_members(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, visibility="members")
    await put_member(node, group, zoe)
    other = await remote_actor(node.pool, "yuri", "other.example")
    await put_member(node, group, other)
    obj = note(zoe, 1, "members only", to=[group.members_url, group.uri], cc=[])
    await receive(node, zoe, create(zoe, obj))
    post = await stored(node, obj["id"])
    assert (post.group_id, post.visibility) == (group.id, "members")
    [announce] = await documents(node, "Announce")
    assert announce["to"] == [group.members_url]
    assert PUBLIC not in str(announce)
    assert await sent(node) == [(group.uri, "Announce", "https://other.example/inbox")]


async def test_public_post_to_a_members_group_is_kept_members_only(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, visibility="members")
    await put_member(node, group, zoe)
    activity = to_group(zoe, 1, group)
    await receive(node, zoe, activity)
    post = await stored(node, activity["object"]["id"])
    assert post.visibility == "members"


async def test_non_members_post_to_a_members_group_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice, visibility="members")
    obj = note(zoe, 1, "let me in", to=[group.members_url, group.uri], cc=[])
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "refused"
    assert await stored(node, obj["id"]) is None
    assert await count(node, "activities") == 0


async def test_non_members_post_to_an_open_public_group_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    activity = to_group(zoe, 1, group)
    item = await receive(node, zoe, activity)
    assert item.state == "refused"
    assert await stored(node, activity["object"]["id"]) is None


async def test_pending_member_may_not_post(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice, join_policy="approval")
    await put_member(node, group, zoe, state="pending")
    activity = to_group(zoe, 1, group)
    item = await receive(node, zoe, activity)
    assert item.state == "refused"


async def test_non_member_mentioning_a_local_account_too_is_kept_outside_the_group(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    activity = to_group(zoe, 1, group, tag=[{"type": "Mention", "href": alice.uri}])
    item = await receive(node, zoe, activity)
    assert item.state == "done", item.last_error
    post = await stored(node, activity["object"]["id"])
    assert post is not None and post.group_id is None
    assert await count(node, "activities") == 0


async def test_direct_message_to_a_public_group_is_not_published(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, _ = await make_group(node, alice)
    await put_member(node, group, zoe)
    mention = [{"type": "Mention", "href": group.uri}]
    obj = note(zoe, 1, "@rights psst", to=[group.uri], cc=[], tag=mention)
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "refused"
    assert await stored(node, obj["id"]) is None
    assert await count(node, "activities") == 0


async def test_post_aimed_at_a_confidential_group_is_refused_unanswered(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, general = await make_group(node, alice, visibility="confidential")
    for n, extra in enumerate(
        [
            {"cc": [group.uri]},
            {"audience": group.uri},
            {"target": {"type": "OrderedCollection", "id": general.uri}},
            {"tag": [{"type": "Mention", "href": group.uri}], "cc": [alice.uri]},
        ]
    ):
        obj = note(zoe, n, "knock knock", **extra)
        item = await receive(node, zoe, create(zoe, obj))
        assert item.state == "refused", extra
        assert "takes no posts from here" in (item.last_error or "")
        assert await stored(node, obj["id"]) is None
    assert await count(node, "activities") == 0


async def test_reply_to_a_confidential_post_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    group, general = await make_group(node, alice, visibility="confidential")
    async with node.pool.acquire() as conn:
        secret = await posts_db.insert(
            conn,
            uri=f"{alice.uri}/statuses/1",
            actor_id=alice.id,
            local=True,
            visibility="confidential",
            content="secret",
            summary="",
            sensitive=False,
            language=None,
            content_map={},
            source="secret",
            url=None,
            in_reply_to_uri=None,
            in_reply_to_id=None,
            conversation=None,
            published_at=general.created_at,
            to_uris=[],
            cc_uris=[],
            group_id=group.id,
            space_id=general.id,
        )
    obj = note(zoe, 1, "guessing", inReplyTo=secret.uri, cc=[alice.uri])
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "refused"
    assert "takes no posts from here" in (item.last_error or "")
    assert await stored(node, obj["id"]) is None


async def test_replayed_create_is_announced_once(node: Node, alice: Actor, zoe: Actor) -> None:
    group, _ = await make_group(node, alice)
    await put_member(node, group, zoe)
    await put_member(node, group, await remote_actor(node.pool, "yuri", "other.example"))
    activity = to_group(zoe, 1, group)
    await receive(node, zoe, activity)
    again = {**activity, "id": activity["id"] + "/again"}
    item = await receive(node, zoe, again)
    assert item.state == "done", item.last_error
    assert len(await documents(node, "Announce")) == 1


async def test_post_already_here_is_filed_when_its_author_sends_it_to_the_group(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    """A followed member's post arrived first as an ordinary post; the Create naming the group
    files it there."""
    group, general = await make_group(node, alice)
    await put_member(node, group, zoe)
    obj = note(zoe, 1)
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO posts (uri, actor_id, local, visibility, content, published_at)"
            " VALUES ($1, $2, false, 'public', 'hello', now())",
            obj["id"],
            zoe.id,
        )
    await receive(node, zoe, to_group(zoe, 1, group))
    async with node.pool.acquire() as conn:
        post = await posts_db.by_uri(conn, obj["id"])
        assert post is not None
        assert await groups_db.space_post_ids(conn, general.id) == [post.id]
