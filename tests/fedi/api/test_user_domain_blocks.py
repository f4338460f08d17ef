"""A member's own domain blocks: list, add and remove them; the blocked domain's accounts vanish
from the member's timelines and notifications, and the follows between them end."""

from typing import Any

import httpx
import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.test_timelines import follow, stored_post
from tests.support.actors import remote_actor
from tests.support.inbox import receive

pytestmark = pytest.mark.asyncio(loop_scope="session")

PATH = "/api/v1/domain_blocks"


async def block(client: httpx.AsyncClient, user: ApiUser, domain: str) -> httpx.Response:
    return await client.post(PATH, headers=user.headers, json={"domain": domain})


async def stored_blocks(node: Node) -> list[tuple[int, str]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch("SELECT actor_id, domain FROM user_domain_blocks ORDER BY id")
    return [(row["actor_id"], row["domain"]) for row in rows]


async def test_block_list_and_unblock(client: httpx.AsyncClient, alice: ApiUser) -> None:
    first = await block(client, alice, "Spam.Example")
    assert first.status_code == 200, first.text
    assert first.json() == {}
    # Form-encoded works as well as JSON, and blocking twice is one block.
    form = await client.post(PATH, headers=alice.headers, data={"domain": "trolls.example"})
    assert form.status_code == 200
    assert (await block(client, alice, "spam.example")).status_code == 200
    assert await get_json(client, PATH, alice) == ["trolls.example", "spam.example"]

    removed = await client.request(
        "DELETE", PATH, headers=alice.headers, json={"domain": "SPAM.example"}
    )
    assert removed.status_code == 200
    assert removed.json() == {}
    assert await get_json(client, PATH, alice) == ["trolls.example"]
    # Removing what is not blocked is no error, as in Mastodon.
    again = await client.delete(PATH, headers=alice.headers, params={"domain": "spam.example"})
    assert again.status_code == 200


async def test_the_list_pages_with_link_headers(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    for name in ("a.example", "b.example", "c.example"):
        assert (await block(client, alice, name)).status_code == 200
    assert (await block(client, bob, "bob-only.example")).status_code == 200
    page = await client.get(PATH, headers=alice.headers, params={"limit": 2})
    assert page.json() == ["c.example", "b.example"]
    next_url = page.headers["link"].split(";")[0].strip("<>")
    rest = await client.get(next_url, headers=alice.headers)
    assert rest.json() == ["a.example"]


async def test_bad_domains_are_422_and_nothing_is_stored(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    for domain in ("", "https://spam.example/", "spam example", "localhost", node.settings.domain):
        response = await block(client, alice, domain)
        assert response.status_code == 422, (domain, response.text)
        assert response.json()["error"]
    missing = await client.post(PATH, headers=alice.headers, json={})
    assert missing.status_code == 422
    assert missing.json() == {"error": "domain is required"}
    assert await stored_blocks(node) == []


async def test_scopes_read_blocks_and_write_blocks(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    reader = await make_user("reader", scopes=["read:blocks"])
    assert (await client.get(PATH, headers=reader.headers)).status_code == 200
    assert (await block(client, reader, "spam.example")).status_code == 403
    legacy = await make_user("legacy", scopes=["follow"])
    assert (await block(client, legacy, "spam.example")).status_code == 200
    assert (await client.get(PATH)).status_code == 401


async def test_the_domain_vanishes_from_the_members_timelines(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    spammer = await remote_actor(node.pool, "spammer", "spam.example")
    friend = await remote_actor(node.pool, "friend", "good.example")
    await stored_post(node, spammer, "buy now")
    await stored_post(node, friend, "hello")
    await stored_post(node, spammer, "hi alice", mentions=(alice.actor,))
    assert len(await get_json(client, "/api/v1/timelines/home", alice)) == 1  # the mention
    assert (await block(client, alice, "spam.example")).status_code == 200

    public = await get_json(client, "/api/v1/timelines/public", alice)
    assert [s["account"]["acct"] for s in public] == ["friend@good.example"]
    assert await get_json(client, "/api/v1/timelines/home", alice) == []
    # Only alice blocked it: bob still sees all three.
    assert len(await get_json(client, "/api/v1/timelines/public", bob)) == 3


async def test_the_domains_notifications_are_hidden_and_no_new_ones_made(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    spammer = await remote_actor(node.pool, "spammer", "spam.example")
    mine = await stored_post(node, alice.actor, "mine")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO notifications (recipient_id, notification_type, from_actor_id, post_id)"
            " VALUES ($1, 'favourite', $2, $3)",
            alice.actor.id,
            spammer.id,
            mine.id,
        )
    assert len(await get_json(client, "/api/v1/notifications", alice)) == 1
    assert (await block(client, alice, "spam.example")).status_code == 200
    assert await get_json(client, "/api/v1/notifications", alice) == []
    like = {
        "id": f"{spammer.uri}#likes/1",
        "type": "Like",
        "actor": spammer.uri,
        "object": mine.uri,
    }
    item = await receive(node, spammer, like)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT count(*) FROM notifications WHERE recipient_id = $1", alice.actor.id
        )
    assert stored == 1  # the old one, hidden; the like made none


async def test_relationship_shows_domain_blocking(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser
) -> None:
    spammer = await remote_actor(node.pool, "spammer", "spam.example")
    assert (await block(client, alice, "spam.example")).status_code == 200
    path = "/api/v1/accounts/relationships"
    ids: dict[str, Any] = {"id[]": [spammer.id, bob.actor.id]}
    found = await get_json(client, path, alice, params=ids)
    assert [r["domain_blocking"] for r in found] == [True, False]
    (for_bob,) = await get_json(client, path, bob, params={"id[]": spammer.id})
    assert for_bob["domain_blocking"] is False


async def test_blocking_ends_follows_both_ways_and_tells_the_domain(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    spammer = await remote_actor(node.pool, "spammer", "spam.example")
    other = await remote_actor(node.pool, "other", "good.example")
    await follow(node, alice.actor, spammer)
    await follow(node, spammer, alice.actor)
    await follow(node, other, alice.actor)
    assert (await block(client, alice, "spam.example")).status_code == 200
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, alice.actor.id, spammer.id) is None
        assert await follows_db.between(conn, spammer.id, alice.actor.id) is None
        assert await follows_db.between(conn, other.id, alice.actor.id) is not None
        rows = await conn.fetch(
            "SELECT a.activity_type, d.inbox_url, a.document FROM deliveries d"
            " JOIN activities a ON a.id = d.activity_id ORDER BY a.id"
        )
    sent = {(row["activity_type"], row["inbox_url"]) for row in rows}
    assert sent == {("Undo", spammer.inbox_url), ("Reject", spammer.inbox_url)}
    for row in rows:
        inner = row["document"]["object"]
        assert inner["type"] == "Follow"
        assert row["document"]["actor"] == alice.actor.uri


async def test_a_follow_from_the_blocked_domain_is_rejected(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    spammer = await remote_actor(node.pool, "spammer", "spam.example")
    assert (await block(client, alice, "spam.example")).status_code == 200
    activity = {
        "id": f"{spammer.uri}#follows/9",
        "type": "Follow",
        "actor": spammer.uri,
        "object": alice.actor.uri,
    }
    item = await receive(node, spammer, activity)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        assert await follows_db.between(conn, spammer.id, alice.actor.id) is None
        answered = await conn.fetchval(
            "SELECT activity_type FROM activities WHERE actor_id = $1", alice.actor.id
        )
    assert answered == "Reject"
