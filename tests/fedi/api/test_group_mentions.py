"""Posting to a group from any Mastodon app by mentioning it: a member's post goes into the group
(and the space a hashtag names) and takes its visibility; anyone else's mention of a members or
confidential group is the text that was typed, and tells nobody anything."""

from typing import Any

import httpx
import pytest

from fedi.app import Node
from fedi.db import posts as posts_db
from fedi.db.posts import Post
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.group_support import add_space, follow, make_group, remote_group

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def post_status(
    client: httpx.AsyncClient, author: ApiUser, text: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/statuses", headers=author.headers, json={"status": text, **fields}
    )
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def stored(node: Node, status: dict[str, Any]) -> Post:
    async with node.pool.acquire() as conn:
        post = await posts_db.by_id(conn, int(status["id"]))
    assert post is not None
    return post


async def queued_deliveries(node: Node) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM deliveries"))


async def test_a_members_mention_posts_into_the_group_and_the_space_its_hashtag_names(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    garden = await make_group(node, alice.actor, "garden", members=(bob.actor,))
    seeds = await add_space(node, garden, alice.actor, "seed-swap")

    spaced = await post_status(client, bob, "@garden hello #seed_swap")
    plain = await post_status(client, bob, "@garden hello #unrelated")

    assert spaced["group"] == {"id": str(garden.id), "acct": "garden", "space_id": str(seeds.id)}
    assert plain["group"]["space_id"] is not None and plain["group"]["space_id"] != str(seeds.id)
    assert spaced["visibility"] == "public"
    assert [m["acct"] for m in spaced["mentions"]] == ["garden"]
    post = await stored(node, plain)
    assert (post.group_id, post.visibility) == (garden.id, "public")


async def test_a_mention_of_a_confidential_group_makes_a_confidential_post(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    follower = await make_user("follower")
    await follow(node, follower.actor, bob.actor)
    vault = await make_group(node, alice.actor, "vault", "confidential", members=(bob.actor,))
    before = await queued_deliveries(node)

    status = await post_status(client, bob, "@vault the meeting moves", visibility="public")

    assert (status["visibility"], status["local_only"]) == ("private", True)
    assert status["group"]["id"] == str(vault.id)
    post = await stored(node, status)
    assert (post.group_id, post.visibility) == (vault.id, "confidential")
    assert await queued_deliveries(node) == before
    # Bob's follower is no member: neither the status nor its place in a home timeline.
    assert (
        await client.get(f"/api/v1/statuses/{post.id}", headers=follower.headers)
    ).status_code == 404
    assert await get_json(client, "/api/v1/timelines/home", follower) == []
    [seen] = await get_json(client, "/api/v1/timelines/home", alice)
    assert seen["id"] == str(post.id)


@pytest.mark.parametrize("visibility", ["members", "confidential"])
async def test_a_strangers_mention_of_a_hidden_group_is_plain_text(
    client: httpx.AsyncClient,
    node: Node,
    alice: ApiUser,
    bob: ApiUser,
    make_user: MakeUser,
    visibility: str,
) -> None:
    stranger = await make_user("stranger")
    pending = await make_user("pending")
    hidden = await make_group(node, alice.actor, "hidden", visibility, members=(bob.actor,))
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO group_members (group_id, member_id, state) VALUES ($1, $2, 'pending')",
            hidden.id,
            pending.actor.id,
        )
    for author in (stranger, pending):
        before = await queued_deliveries(node)
        status = await post_status(client, author, "@hidden are you there? @bob")
        assert status["group"] is None
        assert status["visibility"] == "public"
        assert [m["acct"] for m in status["mentions"]] == ["bob"]
        assert "<p>@hidden are you there?" in status["content"]
        assert hidden.uri not in status["content"] and "/groups/" not in status["content"]
        post = await stored(node, status)
        assert post.group_id is None
        async with node.pool.acquire() as conn:
            assert hidden.id not in await posts_db.mentioned_actor_ids(conn, post.id)
            assert not await conn.fetchval(
                "SELECT count(*) FROM notifications WHERE recipient_id = $1", hidden.id
            )
        assert await queued_deliveries(node) == before  # nobody remote to tell


async def test_a_strangers_mention_of_a_public_group_is_an_ordinary_mention(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    stranger = await make_user("stranger")
    garden = await make_group(node, alice.actor, "garden")
    status = await post_status(client, stranger, "@garden looks lovely")
    assert status["group"] is None
    assert [m["id"] for m in status["mentions"]] == [str(garden.id)]


async def test_a_followers_only_post_stays_out_of_a_public_group(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    garden = await make_group(node, alice.actor, "garden", members=(bob.actor,))
    circle = await make_group(node, alice.actor, "circle", "members", members=(bob.actor,))
    private = await post_status(client, bob, "@garden just for friends", visibility="private")
    assert private["group"] is None
    assert private["visibility"] == "private"
    assert [m["id"] for m in private["mentions"]] == [str(garden.id)]
    # A members group is narrower than the author's followers: that post goes in.
    direct = await post_status(client, bob, "@circle psst", visibility="direct")
    assert direct["group"]["id"] == str(circle.id)
    assert (await stored(node, direct)).visibility == "members"


async def test_the_strictest_group_mentioned_takes_the_post(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    members = (bob.actor,)
    garden = await make_group(node, alice.actor, "garden", members=members)
    circle = await make_group(node, alice.actor, "circle", "members", members=members)
    vault = await make_group(node, alice.actor, "vault", "confidential", members=members)

    into_circle = await post_status(client, bob, "@garden @circle news")
    assert into_circle["group"]["id"] == str(circle.id)
    assert {m["id"] for m in into_circle["mentions"]} == {str(garden.id), str(circle.id)}

    into_vault = await post_status(client, bob, "@circle @vault news")
    assert into_vault["group"]["id"] == str(vault.id)
    assert (await stored(node, into_vault)).visibility == "confidential"
    # The other hidden group is not linked from a post outside it.
    assert [m["id"] for m in into_vault["mentions"]] == [str(vault.id)]


async def test_a_reply_stays_in_the_group_of_the_post_it_answers(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    garden = await make_group(node, alice.actor, "garden", members=(bob.actor,))
    circle = await make_group(node, alice.actor, "circle", "members", members=(bob.actor,))
    first = await post_status(client, alice, "@circle what do we plant?")
    reply = await post_status(client, bob, "@alice @garden tomatoes", in_reply_to_id=first["id"])
    assert reply["group"]["id"] == str(circle.id)
    assert reply["visibility"] == "private"
    assert str(garden.id) in {m["id"] for m in reply["mentions"]}  # public: a link is harmless


async def test_an_edit_cannot_link_a_hidden_group(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await make_group(node, alice.actor, "vault", "confidential", members=(alice.actor,))
    status = await post_status(client, bob, "first words")
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bob.headers,
        json={"status": "second words @vault"},
    )
    assert response.status_code == 200
    assert "<p>second words @vault</p>" == response.json()["content"]


async def test_a_mention_of_a_remote_group_one_belongs_to_posts_into_it(
    client: httpx.AsyncClient, node: Node, bob: ApiUser, make_user: MakeUser
) -> None:
    outsider = await make_user("outsider")
    club = await remote_group(node, "club")
    await follow(node, bob.actor, club)
    status = await post_status(client, bob, "@club@remote.example hello club")
    assert status["group"] == {"id": str(club.id), "acct": "club@remote.example", "space_id": None}
    post = await stored(node, status)
    assert post.group_id == club.id
    assert club.uri in post.to_uris
    # Not a member: an ordinary mention.
    other = await post_status(client, outsider, "@club@remote.example hello")
    assert other["group"] is None
    assert [m["id"] for m in other["mentions"]] == [str(club.id)]
