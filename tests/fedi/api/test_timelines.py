"""Timelines: home (followed, own, mentions), public and hashtag, with Mastodon's paging."""

import re

import httpx
import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain import groups
from fedi.domain.posts import may_see
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.group_support import group_post, make_group, remote_group, set_membership
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

HOME = "/api/v1/timelines/home"
PUBLIC = "/api/v1/timelines/public"


async def stored_post(
    node: Node,
    author: Actor,
    text: str,
    *,
    visibility: str = "public",
    mentions: tuple[Actor, ...] = (),
    tags: tuple[str, ...] = (),
    reply_to: Post | None = None,
) -> Post:
    """A post written straight to the tables: any visibility, local or remote author."""
    async with node.pool.acquire() as conn:
        post_id = await posts_db.next_id(conn)
        post = await posts_db.insert(
            conn,
            id=post_id,
            uri=f"{author.uri}/statuses/{post_id}",
            actor_id=author.id,
            local=author.local,
            visibility=visibility,
            content=f"<p>{text}</p>",
            in_reply_to_uri=reply_to.uri if reply_to else None,
            in_reply_to_id=reply_to.id if reply_to else None,
        )
        await posts_db.set_mentions(conn, post.id, [a.id for a in mentions])
        await posts_db.set_tags(conn, post.id, list(tags))
    return post


async def follow(node: Node, follower: Actor, followee: Actor, *, accepted: bool = True) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO follows (uri, follower_id, followee_id, accepted) VALUES ($1, $2, $3, $4)",
            f"{follower.uri}#follows/{followee.id}",
            follower.id,
            followee.id,
            accepted,
        )


async def mute(node: Node, actor: Actor, target: Actor, *, expired: bool = False) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO mutes (actor_id, target_id, expires_at)"
            " VALUES ($1, $2, CASE WHEN $3 THEN now() - interval '1 minute' END)",
            actor.id,
            target.id,
            expired,
        )


async def block(node: Node, blocker: Actor, blocked: Actor) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO blocks (uri, blocker_id, blocked_id) VALUES ($1, $2, $3)",
            f"{blocker.uri}#blocks/{blocked.id}",
            blocker.id,
            blocked.id,
        )


async def skip_ids(node: Node, count: int = 100_000) -> None:
    """Let ids go by, as they do while the rest of the network writes: the home timeline's
    fast step reads only ids near the page, so older posts must come through its second step."""
    async with node.pool.acquire() as conn:
        await conn.execute("SELECT setval('posts_id_seq', nextval('posts_id_seq') + $1)", count)


async def ids(client: httpx.AsyncClient, url: str, user: ApiUser | None = None) -> list[int]:
    return [int(status["id"]) for status in await get_json(client, url, user)]


def links(response: httpx.Response) -> dict[str, str]:
    """rel -> URL of the Link header."""
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    }


# Home


async def test_home_shows_followed_own_and_mentioning_posts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await follow(node, alice.actor, bob.actor)
    followed = await stored_post(node, bob.actor, "from bob")
    own = await stored_post(node, alice.actor, "my own")
    mention = await stored_post(node, carol.actor, "hi alice", mentions=(alice.actor,))
    await stored_post(node, carol.actor, "not for alice")
    assert await ids(client, HOME, alice) == [mention.id, own.id, followed.id]


async def test_home_shows_boosts_by_followed_accounts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await follow(node, alice.actor, bob.actor)
    post = await stored_post(node, carol.actor, "worth a boost")
    await node.publisher.boost(bob.actor, post.id)
    [status] = await get_json(client, HOME, alice)
    assert status["account"]["id"] == str(bob.actor.id)
    assert status["reblog"]["id"] == str(post.id)


async def test_home_requires_a_token_with_read_statuses(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    assert (await client.get(HOME)).status_code == 401
    writer = await make_user("writer", scopes=["write"])
    assert (await client.get(HOME, headers=writer.headers)).status_code == 403


@pytest.mark.parametrize("old", [False, True], ids=["recent", "old"])
async def test_home_and_may_see_agree_on_every_visibility_and_relation(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser, old: bool
) -> None:
    author = await make_user("author")
    follower = await make_user("follower")
    pending = await make_user("pending")
    mentioned = await make_user("mentioned")
    mentioned_follower = await make_user("mentionedfollower")
    stranger = await make_user("stranger")
    await follow(node, follower.actor, author.actor)
    await follow(node, pending.actor, author.actor, accepted=False)
    await follow(node, mentioned_follower.actor, author.actor)
    posts = [
        await stored_post(
            node,
            author.actor,
            visibility,
            visibility=visibility,
            mentions=(mentioned.actor, mentioned_follower.actor),
        )
        for visibility in ("public", "unlisted", "followers", "direct", "local", "members")
    ]
    if old:
        await skip_ids(node)
    viewers = [author, follower, pending, mentioned, mentioned_follower, stranger]
    for viewer in viewers:
        shown = set(await ids(client, HOME, viewer))
        in_home = viewer in (author, follower, mentioned, mentioned_follower)
        async with node.pool.acquire() as conn:
            expected = {p.id for p in posts if in_home and await may_see(conn, p, viewer.actor)}
        assert shown == expected, viewer.actor.username


@pytest.mark.parametrize("old", [False, True], ids=["recent", "old"])
async def test_home_and_may_see_agree_on_group_posts(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser, old: bool
) -> None:
    """Posts in local groups reach their approved members' homes, whoever wrote them; posts in
    a remote group reach its local members as the group's boosts (not read here), so only as
    any post does: from followed authors, by mention."""
    author = await make_user("author")
    member = await make_user("member")
    pending = await make_user("pending")
    follower = await make_user("follower")
    club_member = await make_user("clubmember")
    stranger = await make_user("stranger")
    remote_author = await remote_actor(node.pool, "ra", "remote.example")
    members = (author.actor, member.actor, remote_author)
    garden = await make_group(node, author.actor, "garden", members=members)
    circle = await make_group(node, author.actor, "circle", "members", members=members)
    vault = await make_group(
        node, author.actor, "vault", "confidential", members=(author.actor, member.actor)
    )
    await set_membership(node, circle, pending.actor, "pending")
    club = await remote_group(node, "club")
    await follow(node, follower.actor, author.actor)
    await follow(node, club_member.actor, club)
    await follow(node, club_member.actor, remote_author)
    posts = [
        await group_post(node, author.actor, garden.id, "public"),
        await group_post(node, remote_author, garden.id, "public"),
        await group_post(node, author.actor, circle.id, "members"),
        await group_post(node, remote_author, circle.id, "members"),
        await group_post(node, author.actor, vault.id, "confidential"),
        await group_post(node, remote_author, club.id, "members"),
        await group_post(node, remote_author, club.id, "public"),
    ]
    if old:
        await skip_ids(node)
    local_groups = {garden.id: garden, circle.id: circle, vault.id: vault}
    seen = set()
    for viewer in (author, member, pending, follower, club_member, stranger):
        shown = set(await ids(client, HOME, viewer))
        async with node.pool.acquire() as conn:
            expected = set()
            for p in posts:
                in_home = (
                    p.actor_id == viewer.actor.id
                    or await follows_db.is_following(conn, viewer.actor.id, p.actor_id)
                    or (
                        p.group_id in local_groups
                        and await groups.is_member(conn, p.group_id, viewer.actor.id)
                    )
                )
                if in_home and await may_see(conn, p, viewer.actor):
                    expected.add(p.id)
        assert shown == expected, viewer.actor.username
        seen.add(frozenset(shown))
    # Not vacuous: members (the author among them), the author's follower and the remote
    # group's member each see something different; the pending member and the stranger nothing.
    assert len(seen) == 4


async def test_home_leaves_out_muted_and_blocked_accounts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    muted, lapsed, booster, blocker, blocked = [
        (await make_user(name)).actor
        for name in ("muted", "lapsed", "booster", "blocker", "blocked")
    ]
    for account in (muted, lapsed, booster):
        await follow(node, alice.actor, account)
    await mute(node, alice.actor, muted)
    await mute(node, alice.actor, lapsed, expired=True)
    await block(node, blocker, alice.actor)
    await block(node, alice.actor, blocked)
    await stored_post(node, muted, "muted")
    shown_lapsed = await stored_post(node, lapsed, "mute expired")
    await node.publisher.boost(booster, (await stored_post(node, blocked, "boosted")).id)
    await stored_post(node, blocker, "hi alice", mentions=(alice.actor,))
    await stored_post(node, blocked, "hi alice", mentions=(alice.actor,))
    assert await ids(client, HOME, alice) == [shown_lapsed.id]


async def test_home_pages_with_max_id_and_link_header(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    posts = [await stored_post(node, alice.actor, f"post {n}") for n in range(5)]
    newest_first = [p.id for p in reversed(posts)]
    first = await client.get(HOME, params={"limit": 2}, headers=alice.headers)
    assert [int(s["id"]) for s in first.json()] == newest_first[:2]
    link = links(first)
    assert link["next"].endswith(f"limit=2&max_id={newest_first[1]}")
    assert link["prev"].endswith(f"limit=2&min_id={newest_first[0]}")
    second = await client.get(link["next"], headers=alice.headers)
    assert [int(s["id"]) for s in second.json()] == newest_first[2:4]


async def test_home_since_id_gives_the_newest_and_min_id_the_oldest_above(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    posts = [await stored_post(node, alice.actor, f"post {n}") for n in range(5)]
    oldest = posts[0].id
    since = await ids(client, f"{HOME}?since_id={oldest}&limit=2", alice)
    assert since == [posts[4].id, posts[3].id]
    above = await ids(client, f"{HOME}?min_id={oldest}&limit=2", alice)
    assert above == [posts[2].id, posts[1].id]
    between = await ids(client, f"{HOME}?min_id={oldest}&max_id={posts[3].id}", alice)
    assert between == [posts[2].id, posts[1].id]


async def test_home_reaches_past_a_long_gap_in_ids(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await follow(node, alice.actor, bob.actor)
    old = [await stored_post(node, bob.actor, f"old {n}") for n in range(3)]
    await skip_ids(node)
    await stored_post(node, carol.actor, "not followed")
    boost_of = await stored_post(node, carol.actor, "boosted later")
    await node.publisher.boost(bob.actor, boost_of.id)
    [boost] = await get_json(client, f"{HOME}?limit=1", alice)
    assert boost["reblog"]["id"] == str(boost_of.id)
    rest = await ids(client, f"{HOME}?max_id={boost['id']}", alice)
    assert rest == [p.id for p in reversed(old)]
    above = await ids(client, f"{HOME}?min_id={old[0].id}&limit=2", alice)
    assert above == [old[2].id, old[1].id]
    assert await ids(client, f"{HOME}?min_id={old[2].id}", alice) == [int(boost["id"])]


async def test_home_limit_defaults_to_20_and_stops_at_40(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    for n in range(45):
        await stored_post(node, alice.actor, f"post {n}")
    assert len(await ids(client, HOME, alice)) == 20
    assert len(await ids(client, f"{HOME}?limit=100", alice)) == 40


async def test_empty_page_has_no_link_header(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.get(HOME, headers=alice.headers)
    assert response.json() == [] and "link" not in response.headers


# Public


async def test_public_shows_only_public_posts_and_no_boosts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    public = await stored_post(node, bob.actor, "public")
    for visibility in ("unlisted", "followers", "direct", "members"):
        await stored_post(node, bob.actor, visibility, visibility=visibility)
    await node.publisher.boost(alice.actor, public.id)
    assert await ids(client, PUBLIC) == [public.id]
    assert await ids(client, PUBLIC, alice) == [public.id]


async def test_public_local_and_remote_filters(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await remote_actor(node.pool, "zoe")
    remote = await stored_post(node, zoe, "from afar")
    local = await stored_post(node, alice.actor, "from here")
    assert await ids(client, PUBLIC) == [local.id, remote.id]
    assert await ids(client, f"{PUBLIC}?local=true") == [local.id]
    assert await ids(client, f"{PUBLIC}?remote=true") == [remote.id]


async def test_local_only_posts_show_to_signed_in_local_accounts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    local_only = await stored_post(node, bob.actor, "node only", visibility="local")
    assert await ids(client, f"{PUBLIC}?local=true", alice) == [local_only.id]
    assert await ids(client, PUBLIC, alice) == [local_only.id]
    assert await ids(client, f"{PUBLIC}?local=true") == []
    assert await ids(client, f"{PUBLIC}?remote=true", alice) == []


async def test_public_leaves_out_replies_to_others_but_keeps_threads(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    root = await stored_post(node, alice.actor, "root")
    thread = await stored_post(node, alice.actor, "more", reply_to=root)
    await stored_post(node, bob.actor, "a reply", reply_to=root)
    assert await ids(client, PUBLIC) == [thread.id, root.id]


async def test_public_only_media(client: httpx.AsyncClient, node: Node, alice: ApiUser) -> None:
    with_media = await stored_post(node, alice.actor, "a picture")
    await stored_post(node, alice.actor, "just words")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO media_attachments (actor_id, post_id, remote_url)"
            " VALUES ($1, $2, 'https://example.org/a.png')",
            alice.actor.id,
            with_media.id,
        )
    assert await ids(client, f"{PUBLIC}?only_media=true") == [with_media.id]


async def test_public_leaves_out_muted_and_blocked_for_the_viewer(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    muted, blocker, other = [(await make_user(n)).actor for n in ("muted", "blocker", "other")]
    await mute(node, alice.actor, muted)
    await block(node, blocker, alice.actor)
    posts = [await stored_post(node, a, "hello") for a in (muted, blocker, other)]
    assert await ids(client, PUBLIC, alice) == [posts[2].id]
    assert await ids(client, PUBLIC) == [p.id for p in reversed(posts)]


async def test_public_pages_with_min_id(
    client: httpx.AsyncClient, node: Node, bob: ApiUser
) -> None:
    posts = [await stored_post(node, bob.actor, f"post {n}") for n in range(4)]
    response = await client.get(PUBLIC, params={"min_id": posts[0].id, "limit": 2})
    assert [int(s["id"]) for s in response.json()] == [posts[2].id, posts[1].id]
    assert links(response)["prev"].endswith(f"min_id={posts[2].id}")


# Hashtags


async def test_tag_timeline_matches_without_case(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    tagged = await stored_post(node, alice.actor, "#Rights", tags=("rights",))
    await stored_post(node, alice.actor, "untagged")
    await stored_post(node, alice.actor, "#rights", tags=("rights",), visibility="unlisted")
    assert await ids(client, "/api/v1/timelines/tag/RIGHTS") == [tagged.id]


async def test_tag_timeline_any_all_none(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    a = await stored_post(node, alice.actor, "a", tags=("a",))
    ab = await stored_post(node, alice.actor, "ab", tags=("a", "b"))
    c = await stored_post(node, alice.actor, "c", tags=("c",))
    abd = await stored_post(node, alice.actor, "abd", tags=("a", "b", "d"))
    url = "/api/v1/timelines/tag/a"
    assert await ids(client, f"{url}?any[]=c") == [abd.id, c.id, ab.id, a.id]
    assert await ids(client, f"{url}?all[]=B") == [abd.id, ab.id]
    assert await ids(client, f"{url}?all[]=b&none[]=d") == [ab.id]
    assert await ids(client, f"{url}?none[]=b&none[]=c") == [a.id]


async def test_tag_timeline_local_and_remote(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await remote_actor(node.pool, "zoe")
    remote = await stored_post(node, zoe, "#x", tags=("x",))
    local = await stored_post(node, alice.actor, "#x", tags=("x",))
    assert await ids(client, "/api/v1/timelines/tag/x?local=true") == [local.id]
    assert await ids(client, "/api/v1/timelines/tag/x?remote=true") == [remote.id]


async def test_tag_timeline_pages(client: httpx.AsyncClient, node: Node, alice: ApiUser) -> None:
    posts = [await stored_post(node, alice.actor, "#p", tags=("p",)) for _ in range(3)]
    response = await client.get("/api/v1/timelines/tag/p", params={"limit": 2})
    assert [int(s["id"]) for s in response.json()] == [posts[2].id, posts[1].id]
    second = await ids(client, links(response)["next"])
    assert second == [posts[0].id]
