"""Create: origin checks, visibility, relevance, sanitising, tombstones, bounds."""

from typing import Any

import pytest

from activitypub.vocab import PUBLIC
from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from tests.support.inbox import count, receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def followed(node: Node, follower: Actor, author: Actor) -> None:
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{follower.uri}#f", follower.id, author.id, accepted=True)


async def stored(node: Node, uri: str) -> Any:
    async with node.pool.acquire() as conn:
        return await posts_db.by_uri(conn, uri)


async def test_post_from_followed_account_is_stored(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(
        zoe,
        1,
        "hi <script>alert(1)</script><b>there</b>",
        tag=[{"type": "Hashtag", "name": "#Rights", "href": "https://remote.example/tags/rights"}],
    )
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    post = await stored(node, obj["id"])
    assert post.visibility == "public"
    assert "<script>" not in post.content and "alert" not in post.content
    assert "<b>there</b>" in post.content
    async with node.pool.acquire() as conn:
        assert await posts_db.tags_of(conn, post.id) == ["rights"]


@pytest.mark.parametrize(
    ("to", "cc", "visibility"),
    [
        ([PUBLIC], [], "public"),
        ("as:Public", None, "public"),
        (["FOLLOWERS"], [PUBLIC], "unlisted"),
        (["FOLLOWERS"], [], "followers"),
        (["https://fedi.test/users/alice"], [], "direct"),
    ],
)
async def test_visibility_is_inferred_as_mastodon_does(
    node: Node, alice: Actor, zoe: Actor, to: Any, cc: Any, visibility: str
) -> None:
    await followed(node, alice, zoe)

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [zoe.followers_url if v == "FOLLOWERS" else v for v in value]
        return value

    obj = note(zoe, 2, to=fill(to), cc=fill(cc))
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    assert (await stored(node, obj["id"])).visibility == visibility


async def test_mention_of_local_account_is_kept_without_follow(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    obj = note(zoe, 3, to=[alice.uri], cc=[], tag=[{"type": "Mention", "href": alice.uri}])
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done"
    post = await stored(node, obj["id"])
    async with node.pool.acquire() as conn:
        assert await posts_db.mentioned_actor_ids(conn, post.id) == [alice.id]


async def test_unsolicited_post_is_not_kept(node: Node, alice: Actor, zoe: Actor) -> None:
    item = await receive(node, zoe, create(zoe, note(zoe, 4)))
    assert item.state == "done"
    assert await count(node, "posts") == 0


async def test_object_on_another_host_is_refused(
    node: Node, alice: Actor, zoe: Actor, mallory: Actor
) -> None:
    await followed(node, alice, mallory)
    forged = note(zoe, 5)
    forged["attributedTo"] = mallory.uri
    item = await receive(node, mallory, create(mallory, forged))
    assert item.state == "refused"
    assert "another host" in (item.last_error or "")
    assert await count(node, "posts") == 0


async def test_attributed_to_someone_else_is_refused(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(zoe, 6, attributedTo="https://remote.example/users/other")
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "refused"
    assert "attributed to" in (item.last_error or "")


async def test_replayed_create_after_delete_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    await followed(node, alice, zoe)
    obj = note(zoe, 7)
    await receive(node, zoe, create(zoe, obj))
    delete = {
        "id": f"{obj['id']}#delete",
        "type": "Delete",
        "actor": zoe.uri,
        "object": {"id": obj["id"], "type": "Tombstone"},
    }
    assert (await receive(node, zoe, delete)).state == "done"
    replay = create(zoe, obj, id=f"{obj['id']}/activity-again")
    item = await receive(node, zoe, replay)
    assert item.state == "refused"
    assert "deleted" in (item.last_error or "")
    assert await count(node, "posts") == 0


@pytest.mark.parametrize(("size", "reason"), [(1_000, "at most 500"), (10_000, "more than")])
async def test_too_many_recipients_is_refused(
    node: Node, alice: Actor, zoe: Actor, size: int, reason: str
) -> None:
    await followed(node, alice, zoe)
    crowd = [f"https://remote.example/users/u{i}" for i in range(size)]
    item = await receive(node, zoe, create(zoe, note(zoe, 8, cc=crowd)))
    assert item.state == "refused"
    assert reason in (item.last_error or "")
    assert await count(node, "posts") == 0


async def test_reply_to_local_post_links_the_thread(node: Node, alice: Actor, zoe: Actor) -> None:
    from fedi.domain.posts import Draft

    parent = await node.publisher.post(alice, Draft("question"))
    obj = note(zoe, 9, inReplyTo=parent.uri)
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    reply = await stored(node, obj["id"])
    assert reply.in_reply_to_id == parent.id
    async with node.pool.acquire() as conn:
        assert await posts_db.mentioned_actor_ids(conn, reply.id) == [alice.id]


async def test_article_title_and_content_map(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(
        zoe, 10, type="Article", name="Report", content=None, contentMap={"fr": "<p>Rapport</p>"}
    )
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    post = await stored(node, obj["id"])
    assert post.content.startswith("<p><strong>Report</strong></p>")
    assert post.language == "fr" and post.content_map == {"fr": "<p>Rapport</p>"}


async def test_same_create_twice_is_one_post(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(zoe, 11)
    await receive(node, zoe, create(zoe, obj))
    await receive(node, zoe, create(zoe, obj, id=f"{obj['id']}/again"))
    assert await count(node, "posts") == 1
