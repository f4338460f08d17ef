"""Local actions: the change, its activity and its deliveries, all or nothing."""

from typing import Any

import pytest

from activitypub.vocab import PUBLIC
from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from fedi.errors import Forbidden, InvalidInput, NotFound
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def deliveries(pool: Any) -> list[tuple[str, str]]:
    """(activity type, inbox) of every queued delivery."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.activity_type, d.inbox_url FROM deliveries d"
            " JOIN activities a ON a.id = d.activity_id ORDER BY d.id"
        )
    return [(row["activity_type"], row["inbox_url"]) for row in rows]


async def alice(node: Node) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor


async def remote_follower(node: Node, author: Actor, name: str, host: str) -> Actor:
    follower = await remote_actor(node.pool, name, host)
    async with node.pool.acquire() as conn:
        await follows_db.upsert(
            conn, f"https://{host}/f/{name}", follower.id, author.id, accepted=True
        )
    return follower


async def test_public_post_goes_to_followers_shared_inboxes_once(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "one.example")
    await remote_follower(node, author, "b", "one.example")
    await remote_follower(node, author, "c", "two.example")
    post = await node.publisher.post(author, Draft("Hello #HumanRights world", language="en"))
    assert post.uri == f"https://fedi.test/users/alice/statuses/{post.id}"
    assert post.to_uris == [PUBLIC]
    assert post.cc_uris == ["https://fedi.test/users/alice/followers"]
    assert "#<span>HumanRights</span>" in post.content
    assert post.content_map == {"en": post.content}
    assert sorted(await deliveries(node.pool)) == [
        ("Create", "https://one.example/inbox"),
        ("Create", "https://two.example/inbox"),
    ]
    async with node.pool.acquire() as conn:
        assert await posts_db.tags_of(conn, post.id) == ["humanrights"]


async def test_mention_is_linked_addressed_and_delivered(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    post = await node.publisher.post(author, Draft("hi @zoe@far.example", visibility="direct"))
    assert 'href="https://far.example/@zoe"' in post.content
    assert post.to_uris == [zoe.uri]
    assert post.cc_uris == []
    assert await deliveries(node.pool) == [("Create", "https://far.example/inbox")]


async def test_followers_only_post_skips_non_followers(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "one.example")
    await remote_actor(node.pool, "stranger", "other.example")
    post = await node.publisher.post(author, Draft("for friends", visibility="followers"))
    assert PUBLIC not in post.to_uris + post.cc_uris
    assert await deliveries(node.pool) == [("Create", "https://one.example/inbox")]


async def test_local_post_creates_no_activity_at_all(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "one.example")
    await node.publisher.post(author, Draft("only here", visibility="local"))
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM activities") == 0
    assert await deliveries(node.pool) == []


async def test_unavailable_domain_is_skipped(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "down.example")
    await remote_follower(node, author, "b", "up.example")
    async with node.pool.acquire() as conn:
        await conn.execute("INSERT INTO unavailable_domains (domain) VALUES ('down.example')")
    await node.publisher.post(author, Draft("hello"))
    assert await deliveries(node.pool) == [("Create", "https://up.example/inbox")]


async def test_edit_keeps_previous_version_and_sends_update(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "one.example")
    post = await node.publisher.post(author, Draft("first words"))
    edited = await node.publisher.edit(author, post.id, Draft("better words"))
    assert "better words" in edited.content and edited.edited_at is not None
    async with node.pool.acquire() as conn:
        versions = await posts_db.versions(conn, post.id)
    assert [("first words" in v.content) for v in versions] == [True]
    assert [kind for kind, _ in await deliveries(node.pool)] == ["Create", "Update"]


async def test_edit_by_someone_else_is_forbidden_and_changes_nothing(node: Node) -> None:
    author = await alice(node)
    bob = (await create_user(node.pool, node.urls, node.settings.domain, "bob")).actor
    post = await node.publisher.post(author, Draft("mine"))
    with pytest.raises(Forbidden):
        await node.publisher.edit(bob, post.id, Draft("yours now"))
    with pytest.raises(InvalidInput, match="who a post is for"):
        await node.publisher.edit(author, post.id, Draft("mine", visibility="followers"))
    async with node.pool.acquire() as conn:
        assert await posts_db.versions(conn, post.id) == []
        assert "mine" in (await posts_db.by_id(conn, post.id)).content  # type: ignore[union-attr]


async def test_delete_leaves_tombstone_and_sends_delete(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "one.example")
    post = await node.publisher.post(author, Draft("soon gone"))
    await node.publisher.delete(author, post.id)
    async with node.pool.acquire() as conn:
        assert await posts_db.by_id(conn, post.id) is None
        assert await posts_db.is_tombstoned(conn, post.uri)
    assert [kind for kind, _ in await deliveries(node.pool)] == ["Create", "Delete"]


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (Draft(""), "needs some text"),
        (Draft("x" * 5001), "at most 5000"),
        (Draft("x", visibility="secret"), "visibility must be one of"),
        (Draft("x", language="english"), "not a language code"),
        (Draft("x", translations={"fr": "y"}), "own language"),
    ],
)
async def test_bad_drafts_are_refused_and_write_nothing(
    node: Node, draft: Draft, message: str
) -> None:
    author = await alice(node)
    with pytest.raises(InvalidInput, match=message):
        await node.publisher.post(author, draft)
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM posts") == 0


async def test_translations_fill_content_map(node: Node) -> None:
    author = await alice(node)
    post = await node.publisher.post(
        author, Draft("Hello", language="en", translations={"fr": "Bonjour", "ar": "مرحبا"})
    )
    assert set(post.content_map) == {"en", "fr", "ar"}
    assert "Bonjour" in post.content_map["fr"]


async def test_reply_reaches_the_remote_author(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    async with node.pool.acquire() as conn:
        parent = await posts_db.insert_remote(
            conn,
            uri="https://far.example/notes/1",
            actor_id=zoe.id,
            local=False,
            visibility="public",
            content="<p>question</p>",
        )
    assert parent is not None
    reply = await node.publisher.post(author, Draft("answer", in_reply_to_id=parent.id))
    assert reply.in_reply_to_uri == parent.uri
    assert zoe.uri in reply.cc_uris
    assert ("Create", "https://far.example/inbox") in await deliveries(node.pool)


async def test_like_and_unlike_a_remote_post(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    async with node.pool.acquire() as conn:
        post = await posts_db.insert_remote(
            conn,
            uri="https://far.example/notes/2",
            actor_id=zoe.id,
            local=False,
            visibility="public",
            content="<p>hi</p>",
        )
    assert post is not None
    await node.publisher.like(author, post.id)
    await node.publisher.like(author, post.id)  # twice is once
    await node.publisher.unlike(author, post.id)
    assert await deliveries(node.pool) == [
        ("Like", "https://far.example/users/zoe/inbox"),
        ("Undo", "https://far.example/users/zoe/inbox"),
    ]


async def test_boost_goes_to_followers_and_author(node: Node) -> None:
    author = await alice(node)
    await remote_follower(node, author, "a", "one.example")
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    async with node.pool.acquire() as conn:
        post = await posts_db.insert_remote(
            conn,
            uri="https://far.example/notes/3",
            actor_id=zoe.id,
            local=False,
            visibility="public",
            content="<p>hi</p>",
        )
        private = await posts_db.insert_remote(
            conn,
            uri="https://far.example/notes/4",
            actor_id=zoe.id,
            local=False,
            visibility="followers",
            content="<p>hi</p>",
        )
    assert post is not None and private is not None
    await node.publisher.boost(author, post.id)
    assert sorted(await deliveries(node.pool)) == [
        ("Announce", "https://far.example/inbox"),
        ("Announce", "https://one.example/inbox"),
    ]
    with pytest.raises(NotFound):
        await node.publisher.boost(author, private.id)


async def test_follow_remote_is_pending_until_accepted(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    follow = await node.publisher.follow(author, zoe)
    assert not follow.accepted
    assert await deliveries(node.pool) == [("Follow", "https://far.example/users/zoe/inbox")]


async def test_follow_local_accounts(node: Node) -> None:
    author = await alice(node)
    bob = (await create_user(node.pool, node.urls, node.settings.domain, "bob")).actor
    follow = await node.publisher.follow(author, bob)
    assert follow.accepted
    assert await deliveries(node.pool) == []


async def test_answering_a_remote_follow_request(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    async with node.pool.acquire() as conn:
        follow = await follows_db.upsert(
            conn, "https://far.example/f/1", zoe.id, author.id, accepted=False
        )
    await node.publisher.answer_follow(author, follow.id, accept=True)
    async with node.pool.acquire() as conn:
        assert (await follows_db.by_id(conn, follow.id)).accepted  # type: ignore[union-attr]
    assert await deliveries(node.pool) == [("Accept", "https://far.example/users/zoe/inbox")]


async def test_block_ends_follows_both_ways_and_is_sent(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_follower(node, author, "zoe", "far.example")
    await node.publisher.block(author, zoe)
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, zoe.id, author.id) is None
    assert await deliveries(node.pool) == [("Block", "https://far.example/users/zoe/inbox")]
    with pytest.raises(Forbidden):
        await node.publisher.follow(zoe, author)


async def test_reply_to_a_post_one_may_not_see_is_refused(node: Node) -> None:
    author = await alice(node)
    zoe = await remote_actor(node.pool, "zoe", "far.example")
    async with node.pool.acquire() as conn:
        private = await posts_db.insert_remote(
            conn,
            uri="https://far.example/notes/9",
            actor_id=zoe.id,
            local=False,
            visibility="followers",
            content="<p>for my followers</p>",
        )
    assert private is not None
    with pytest.raises(NotFound, match="the post you reply to does not exist"):
        await node.publisher.post(author, Draft("hi", in_reply_to_id=private.id))
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, "https://fedi.test/f/z", author.id, zoe.id, accepted=True)
    reply = await node.publisher.post(author, Draft("hi", in_reply_to_id=private.id))
    assert reply.in_reply_to_uri == private.uri
