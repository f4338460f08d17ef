"""An account's statuses in the client API: only what the caller may see, filtered and paged."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from fedi.api.pagination import Page
from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db import media as media_db
from fedi.db import posts as posts_db
from fedi.db.account_statuses import StatusFilter, status_ids
from fedi.db.actors import Actor
from fedi.domain.posts import Draft, may_see
from fedi.domain.visibility import VISIBILITIES
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.group_support import (
    group_post,
    make_group,
    remote_group,
    set_membership,
)
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")


def url(user: ApiUser, query: str = "") -> str:
    return f"/api/v1/accounts/{user.actor.id}/statuses" + (f"?{query}" if query else "")


async def texts(
    client: httpx.AsyncClient, author: ApiUser, viewer: ApiUser | None, query: str = ""
) -> list[str]:
    statuses = await get_json(client, url(author, query), viewer)
    return [s["reblog"]["content"] if s["reblog"] else s["content"] for s in statuses]


async def post(node: Node, author: ApiUser, text: str, **draft: Any) -> int:
    return (await node.publisher.post(author.actor, Draft(text, **draft))).id


async def follow(node: Node, follower: Actor, followee: Actor, *, accepted: bool = True) -> None:
    async with node.pool.acquire() as conn:
        uri = f"{follower.uri}#follows/{followee.id}"
        await follows_db.upsert(conn, uri, follower.id, followee.id, accepted=accepted)


async def test_sql_and_may_see_agree_for_every_visibility_and_viewer(
    node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    """The database filter must be the domain rule, exactly: one post of each visibility, with
    and without mentions, against every kind of viewer."""
    author = alice.actor
    follower = (await make_user("follower")).actor
    pending = (await make_user("pending")).actor
    mentioned = (await make_user("mentioned")).actor
    stranger = (await make_user("stranger")).actor
    remote_follower = await remote_actor(node.pool, "rf", "remote.example")
    remote_mentioned = await remote_actor(node.pool, "rm", "remote.example")
    remote_stranger = await remote_actor(node.pool, "rs", "remote.example")
    await follow(node, follower, author)
    await follow(node, pending, author, accepted=False)
    await follow(node, remote_follower, author)
    await follow(node, remote_mentioned, author, accepted=False)
    posts = []
    async with node.pool.acquire() as conn:
        for visibility in VISIBILITIES:
            for with_mentions in (False, True):
                post_id = await posts_db.next_id(conn)
                created = await posts_db.insert(
                    conn,
                    id=post_id,
                    uri=f"{author.uri}/statuses/{post_id}",
                    actor_id=author.id,
                    local=True,
                    visibility=visibility,
                    content=f"{visibility} {with_mentions}",
                    published_at=datetime.now(UTC),
                )
                if with_mentions:
                    await posts_db.set_mentions(conn, post_id, [mentioned.id, remote_mentioned.id])
                posts.append(created)
        viewers: list[Actor | None] = [
            None,
            author,
            follower,
            pending,
            mentioned,
            stranger,
            remote_follower,
            remote_mentioned,
            remote_stranger,
        ]
        window = Page(max_id=None, since_id=None, min_id=None, limit=40)
        seen = set()
        for viewer in viewers:
            by_sql = await status_ids(conn, author.id, viewer, StatusFilter(), window)
            by_rule = [p.id for p in reversed(posts) if await may_see(conn, p, viewer)]
            name = viewer.handle if viewer else "anonymous"
            assert by_sql == by_rule, name
            seen.add(tuple(by_sql))
    # Not a vacuous agreement: anonymous and remote strangers, and pending followers and local
    # strangers, see alike; every other kind of viewer sees a set of its own.
    assert len(seen) == 7


async def test_sql_and_may_see_agree_on_group_posts(
    node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    """Group posts (public, members and confidential; in local and remote groups) as the
    author's statuses and as each group's, against members and strangers, local and remote."""
    author = alice.actor
    member = (await make_user("member")).actor
    pending = (await make_user("pending")).actor
    stranger = (await make_user("stranger")).actor
    group_follower = (await make_user("groupfollower")).actor
    remote_member = await remote_actor(node.pool, "rmember", "remote.example")
    remote_stranger = await remote_actor(node.pool, "rstranger", "remote.example")
    locals_ = (member, author)
    garden = await make_group(node, author, "garden", members=(*locals_, remote_member))
    circle = await make_group(node, author, "circle", "members", members=(*locals_, remote_member))
    vault = await make_group(node, author, "vault", "confidential", members=locals_)
    for group in (circle, vault):
        await set_membership(node, group, pending, "pending")
    club = await remote_group(node, "club")
    await follow(node, group_follower, club)
    await follow(node, remote_member, author)
    posts = [
        await group_post(node, author, garden.id, "public"),
        await group_post(node, author, garden.id, "members"),
        await group_post(node, author, circle.id, "members"),
        await group_post(node, author, vault.id, "confidential"),
        await group_post(node, author, club.id, "members"),
        await group_post(node, author, club.id, "public"),
        await group_post(node, author, None, "followers"),
    ]
    viewers: list[Actor | None] = [
        None,
        author,
        member,
        pending,
        stranger,
        group_follower,
        remote_member,
        remote_stranger,
    ]
    window = Page(max_id=None, since_id=None, min_id=None, limit=40)
    seen = set()
    async with node.pool.acquire() as conn:
        for owner, group in [(author.id, False)] + [
            (g, True) for g in (garden.id, circle.id, vault.id, club.id)
        ]:
            mine = [p for p in posts if (p.group_id if group else p.actor_id) == owner]
            for viewer in viewers:
                by_sql = await status_ids(conn, owner, viewer, StatusFilter(), window, group=group)
                by_rule = [p.id for p in reversed(mine) if await may_see(conn, p, viewer)]
                assert by_sql == by_rule, (owner, viewer.handle if viewer else "anonymous")
                seen.add((owner, tuple(by_sql)))
    # Not vacuous: the author's statuses look different to the anonymous, a member, the
    # remote member, the group's follower; every group shows someone something.
    assert len({ids for owner, ids in seen if owner == author.id}) == 5
    assert all(any(ids for owner, ids in seen if owner == g) for g in (circle.id, vault.id))


async def test_anonymous_callers_see_public_and_unlisted_posts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    for visibility in ("public", "unlisted", "followers", "local"):
        await post(node, alice, visibility, visibility=visibility)
    await post(node, alice, "direct @bob", visibility="direct")
    expected = ["<p>unlisted</p>", "<p>public</p>"]
    assert await texts(client, alice, None) == expected


async def test_the_author_sees_everything(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    for visibility in ("public", "followers", "direct", "local"):
        await post(node, alice, visibility, visibility=visibility)
    assert await texts(client, alice, alice) == [
        "<p>local</p>",
        "<p>direct</p>",
        "<p>followers</p>",
        "<p>public</p>",
    ]


async def test_followers_see_followers_only_posts_and_mentioned_see_direct_ones(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await post(node, alice, "friends", visibility="followers")
    await post(node, alice, "to @carol", visibility="direct")
    await post(node, alice, "here only", visibility="local")
    assert await texts(client, alice, bob) == ["<p>here only</p>"]
    await client.post(f"/api/v1/accounts/{alice.actor.id}/follow", headers=bob.headers)
    assert await texts(client, alice, bob) == ["<p>here only</p>", "<p>friends</p>"]
    carol_sees = await texts(client, alice, carol)
    assert len(carol_sees) == 2 and "carol" in carol_sees[1]


async def test_boosts_appear_as_reblogs_unless_excluded(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    original = await post(node, alice, "worth sharing")
    await post(node, bob, "my own")
    await node.publisher.boost(bob.actor, original)
    statuses = await get_json(client, url(bob), None)
    boost = statuses[0]
    assert boost["reblog"]["id"] == str(original)
    assert boost["account"]["username"] == "bob"
    assert boost["id"] != str(original)
    assert await texts(client, bob, None, "exclude_reblogs=true") == ["<p>my own</p>"]


async def test_only_media_keeps_posts_with_attachments(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    with_media = await post(node, alice, "a picture")
    await post(node, alice, "just words")
    async with node.pool.acquire() as conn:
        row = await media_db.insert(conn, alice.actor.id, file_name="x.png")
        await media_db.attach(conn, with_media, [row.id])
    assert await texts(client, alice, None, "only_media=true") == ["<p>a picture</p>"]


async def test_exclude_replies_keeps_threads_but_not_replies_to_others(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    bobs = await post(node, bob, "question")
    first = await post(node, alice, "thread start")
    await post(node, alice, "thread more", in_reply_to_id=first)
    await post(node, alice, "answer", in_reply_to_id=bobs)
    assert await texts(client, alice, None, "exclude_replies=1") == [
        "<p>thread more</p>",
        "<p>thread start</p>",
    ]


async def test_tagged_and_pinned(client: httpx.AsyncClient, node: Node, alice: ApiUser) -> None:
    await post(node, alice, "about #Asylum law")
    await post(node, alice, "about #other things")
    tagged = await texts(client, alice, None, "tagged=asylum")
    assert len(tagged) == 1 and "Asylum" in tagged[0]
    assert await texts(client, alice, None, "pinned=true") == []


async def test_pages_follow_the_link_header(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    ids = [await post(node, alice, f"post {n}") for n in range(5)]
    first = await client.get(url(alice, "limit=2"))
    assert [s["id"] for s in first.json()] == [str(ids[4]), str(ids[3])]
    links = httpx.Response(200, headers={"link": first.headers["link"]}).links
    second = await client.get(links["next"]["url"])
    assert [s["id"] for s in second.json()] == [str(ids[2]), str(ids[1])]
    newer = await client.get(url(alice, f"min_id={ids[1]}&limit=2"))
    assert [s["id"] for s in newer.json()] == [str(ids[3]), str(ids[2])]
    since = await client.get(url(alice, f"since_id={ids[1]}&limit=2"))
    assert [s["id"] for s in since.json()] == [str(ids[4]), str(ids[3])]


async def test_an_account_that_blocks_you_shows_you_nothing(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await post(node, alice, "hello")
    await client.post(f"/api/v1/accounts/{bob.actor.id}/block", headers=alice.headers)
    assert await texts(client, alice, bob) == []
    assert await texts(client, alice, None) == ["<p>hello</p>"]


async def test_errors(client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser) -> None:
    missing = await client.get("/api/v1/accounts/987654321/statuses")
    assert (missing.status_code, missing.json()) == (404, {"error": "Record not found"})
    no_read = await make_user("writer", scopes=["write"])
    response = await client.get(url(alice), headers=no_read.headers)
    assert response.status_code == 403
    bad = await client.get(url(alice), headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401
    flag = await client.get(url(alice, "only_media=perhaps"))
    assert flag.status_code == 422
    assert "only_media must be true or false" in flag.json()["error"]
