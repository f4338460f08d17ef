"""Notifications: made by real incoming activities and local actions, listed, paged and cleared."""

import re

import httpx
import pytest

from fedi.app import Node
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.domain.posts import Draft
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.actors import remote_actor
from tests.support.inbox import count, receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/api/v1/notifications"


async def listed(
    client: httpx.AsyncClient, user: ApiUser, query: str = ""
) -> list[tuple[str, str]]:
    """(type, sender's acct) of each notification shown, newest first."""
    found = await get_json(client, f"{URL}{query}", user)
    return [(n["type"], n["account"]["acct"]) for n in found]


async def zoe_of(node: Node) -> Actor:
    return await remote_actor(node.pool, "zoe", "remote.example")


def like(actor: Actor, uri: str, n: int = 1) -> dict[str, str]:
    return {"id": f"{actor.uri}#likes/{n}", "type": "Like", "actor": actor.uri, "object": uri}


def announce(actor: Actor, uri: str) -> dict[str, object]:
    return {
        "id": f"{actor.uri}#announces/1",
        "type": "Announce",
        "actor": actor.uri,
        "object": uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }


def follow(actor: Actor, target: Actor) -> dict[str, str]:
    return {
        "id": f"{actor.uri}#follows/1",
        "type": "Follow",
        "actor": actor.uri,
        "object": target.uri,
    }


def undo(actor: Actor, inner: dict[str, object]) -> dict[str, object]:
    return {"id": f"{inner['id']}/undo", "type": "Undo", "actor": actor.uri, "object": inner}


async def set_locked(node: Node, actor: Actor) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET manually_approves_followers = true WHERE id = $1", actor.id
        )


# Made by incoming activities


async def test_incoming_mention_notifies_with_the_status(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await zoe_of(node)
    mention = {"type": "Mention", "href": alice.actor.uri, "name": "@alice@fedi.test"}
    obj = note(zoe, 1, "hello @alice", tag=[mention])
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    [entity] = await get_json(client, URL, alice)
    assert_entity(entity, "Notification")
    assert entity["type"] == "mention"
    assert entity["account"]["acct"] == "zoe@remote.example"
    assert entity["status"]["uri"] == obj["id"]
    assert entity["group_key"] == f"ungrouped-{entity['id']}"


async def test_incoming_follow_notifies_follow_or_follow_request(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    zoe = await zoe_of(node)
    await set_locked(node, bob.actor)
    assert (await receive(node, zoe, follow(zoe, alice.actor))).state == "done"
    to_bob = {**follow(zoe, bob.actor), "id": f"{zoe.uri}#follows/2"}
    assert (await receive(node, zoe, to_bob)).state == "done"
    assert await listed(client, alice) == [("follow", "zoe@remote.example")]
    [entity] = await get_json(client, URL, bob)
    assert entity["type"] == "follow_request" and "status" not in entity


async def test_incoming_like_notifies_once(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await zoe_of(node)
    post = await node.publisher.post(alice.actor, Draft("like me"))
    assert (await receive(node, zoe, like(zoe, post.uri, 1))).state == "done"
    assert (await receive(node, zoe, like(zoe, post.uri, 2))).state == "done"
    [entity] = await get_json(client, URL, alice)
    assert entity["type"] == "favourite" and entity["status"]["id"] == str(post.id)


async def test_incoming_announce_notifies_reblog(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await zoe_of(node)
    post = await node.publisher.post(alice.actor, Draft("boost me"))
    assert (await receive(node, zoe, announce(zoe, post.uri))).state == "done"
    [entity] = await get_json(client, URL, alice)
    assert entity["type"] == "reblog" and entity["status"]["id"] == str(post.id)


async def test_incoming_update_notifies_local_boosters(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await zoe_of(node)
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO follows (uri, follower_id, followee_id, accepted)"
            " VALUES ('https://fedi.test/f', $1, $2, true)",
            alice.actor.id,
            zoe.id,
        )
    obj = note(zoe, 1, "first")
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    async with node.pool.acquire() as conn:
        post_id = await conn.fetchval("SELECT id FROM posts WHERE uri = $1", obj["id"])
    await node.publisher.boost(alice.actor, post_id)
    edited = {**obj, "content": "<p>second</p>", "updated": "2026-11-20T11:00:00Z"}
    update = {"id": f"{obj['id']}#updates/1", "type": "Update", "actor": zoe.uri, "object": edited}
    assert (await receive(node, zoe, update)).state == "done"
    [entity] = await get_json(client, URL, alice)
    assert entity["type"] == "update" and "second" in entity["status"]["content"]


async def test_undone_like_and_follow_take_their_notifications_back(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await zoe_of(node)
    post = await node.publisher.post(alice.actor, Draft("like me"))
    liked, followed = like(zoe, post.uri), follow(zoe, alice.actor)
    await receive(node, zoe, liked)
    await receive(node, zoe, followed)
    assert len(await listed(client, alice)) == 2
    assert (await receive(node, zoe, undo(zoe, liked))).state == "done"
    assert (await receive(node, zoe, undo(zoe, followed))).state == "done"
    assert await listed(client, alice) == []


async def test_blocked_sender_does_not_notify(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    zoe = await zoe_of(node)
    post = await node.publisher.post(alice.actor, Draft("like me"))
    await node.publisher.block(alice.actor, zoe)
    assert (await receive(node, zoe, like(zoe, post.uri))).state == "done"
    assert await count(node, "likes") == 1
    assert await listed(client, alice) == []


# Made by local actions


async def test_local_actions_notify_local_accounts(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    post = await node.publisher.post(alice.actor, Draft("hello"))
    await node.publisher.follow(bob.actor, alice.actor)
    await node.publisher.like(bob.actor, post.id)
    await node.publisher.boost(bob.actor, post.id)
    await node.publisher.post(bob.actor, Draft("hi @alice"))
    assert await listed(client, alice) == [
        ("mention", "bob"),
        ("reblog", "bob"),
        ("favourite", "bob"),
        ("follow", "bob"),
    ]


async def test_local_undo_takes_notifications_back(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    post = await node.publisher.post(alice.actor, Draft("hello"))
    await node.publisher.follow(bob.actor, alice.actor)
    await node.publisher.like(bob.actor, post.id)
    await node.publisher.boost(bob.actor, post.id)
    await node.publisher.unlike(bob.actor, post.id)
    await node.publisher.unboost(bob.actor, post.id)
    await node.publisher.unfollow(bob.actor, alice.actor)
    assert await listed(client, alice) == []


async def test_local_follow_request_notifies_until_answered(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await set_locked(node, alice.actor)
    async with node.pool.acquire() as conn:
        locked = await actors_db.by_id(conn, alice.actor.id)
    assert locked is not None
    follow_row = await node.publisher.follow(bob.actor, locked)
    assert await listed(client, alice) == [("follow_request", "bob")]
    await node.publisher.answer_follow(alice.actor, follow_row.id, accept=True)
    assert await listed(client, alice) == []


async def test_local_edit_notifies_boosters(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    post = await node.publisher.post(alice.actor, Draft("first"))
    await node.publisher.boost(bob.actor, post.id)
    await node.publisher.edit(alice.actor, post.id, Draft("second"))
    [entity] = await get_json(client, URL, bob)
    assert entity["type"] == "update" and "second" in entity["status"]["content"]


async def test_own_actions_do_not_notify(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    post = await node.publisher.post(alice.actor, Draft("me"))
    await node.publisher.like(alice.actor, post.id)
    await node.publisher.boost(alice.actor, post.id)
    assert await listed(client, alice) == []


# Reading


async def make_several(node: Node, alice: ApiUser, make_user: MakeUser) -> list[ApiUser]:
    """Four accounts: each follows alice, and the first two like her post (6 notifications)."""
    post = await node.publisher.post(alice.actor, Draft("hello"))
    others = [await make_user(f"fan{n}") for n in range(4)]
    for other in others:
        await node.publisher.follow(other.actor, alice.actor)
    for other in others[:2]:
        await node.publisher.like(other.actor, post.id)
    return others


async def test_types_exclude_types_and_account_id(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    fans = await make_several(node, alice, make_user)
    assert [t for t, _ in await listed(client, alice, "?types[]=favourite")] == ["favourite"] * 2
    assert [t for t, _ in await listed(client, alice, "?exclude_types[]=follow")] == [
        "favourite"
    ] * 2
    assert await listed(client, alice, "?types[]=nonsense") == []
    from_fan = await listed(client, alice, f"?account_id={fans[0].actor.id}")
    assert from_fan == [("favourite", "fan0"), ("follow", "fan0")]


async def test_paging_with_max_id_since_id_min_id_and_links(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    await make_several(node, alice, make_user)
    every = [int(n["id"]) for n in await get_json(client, URL, alice)]
    assert len(every) == 6 and every == sorted(every, reverse=True)
    first = await client.get(URL, params={"limit": 2}, headers=alice.headers)
    assert [int(n["id"]) for n in first.json()] == every[:2]
    link = dict(
        (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"])
    )
    assert link["next"].endswith(f"max_id={every[1]}")
    assert link["prev"].endswith(f"min_id={every[0]}")
    second = await get_json(client, link["next"], alice)
    assert [int(n["id"]) for n in second] == every[2:4]
    since = await get_json(client, f"{URL}?since_id={every[5]}&limit=2", alice)
    assert [int(n["id"]) for n in since] == every[:2]
    above = await get_json(client, f"{URL}?min_id={every[5]}&limit=2", alice)
    assert [int(n["id"]) for n in above] == every[3:5]


async def test_limit_defaults_to_40_and_stops_at_80(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    senders = [await remote_actor(node.pool, f"s{n}") for n in range(85)]
    async with node.pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO notifications (recipient_id, notification_type, from_actor_id)"
            " VALUES ($1, 'follow', $2)",
            [(alice.actor.id, sender.id) for sender in senders],
        )
    assert len(await get_json(client, URL, alice)) == 40
    assert len(await get_json(client, f"{URL}?limit=200", alice)) == 80


async def test_status_the_recipient_may_no_longer_see_is_left_out(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    await node.publisher.follow(alice.actor, bob.actor)
    post = await node.publisher.post(bob.actor, Draft("for followers", visibility="followers"))
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO notifications (recipient_id, notification_type, from_actor_id, post_id)"
            " VALUES ($1, 'status', $2, $3)",
            alice.actor.id,
            bob.actor.id,
            post.id,
        )
    assert await listed(client, alice) == [("status", "bob")]
    await node.publisher.unfollow(alice.actor, bob.actor)
    assert await listed(client, alice) == []


async def test_show_dismiss_and_clear(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    await make_several(node, alice, make_user)
    every = [n["id"] for n in await get_json(client, URL, alice)]
    shown = await get_json(client, f"{URL}/{every[0]}", alice)
    assert shown["id"] == every[0]
    assert (await client.get(f"{URL}/{every[0]}", headers=bob.headers)).status_code == 404
    assert (await client.get(f"{URL}/nonsense", headers=alice.headers)).status_code == 404
    dismissed = await client.post(f"{URL}/{every[0]}/dismiss", headers=alice.headers)
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert (await client.post(f"{URL}/{every[1]}/dismiss", headers=bob.headers)).status_code == 404
    assert [n["id"] for n in await get_json(client, URL, alice)] == every[1:]
    cleared = await client.post(f"{URL}/clear", headers=alice.headers)
    assert cleared.status_code == 200
    assert await get_json(client, URL, alice) == []


async def test_unread_count_counts_past_the_notifications_marker(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, make_user: MakeUser
) -> None:
    await make_several(node, alice, make_user)
    every = [n["id"] for n in await get_json(client, URL, alice)]
    count_url = f"{URL}/unread_count"
    assert await get_json(client, count_url, alice) == {"count": 6}
    marked = await client.post(
        "/api/v1/markers", json={"notifications": {"last_read_id": every[2]}}, headers=alice.headers
    )
    assert marked.status_code == 200
    assert await get_json(client, count_url, alice) == {"count": 2}
    assert await get_json(client, f"{count_url}?limit=1", alice) == {"count": 1}
    assert await get_json(client, f"{count_url}?types[]=follow", alice) == {"count": 0}


async def test_scopes(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes=["read:notifications"])
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(URL, headers=reader.headers)).status_code == 200
    assert (await client.post(f"{URL}/clear", headers=reader.headers)).status_code == 403
