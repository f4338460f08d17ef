"""Update: only the author edits a post; earlier versions are kept; actors update themselves."""

import pytest

from fedi.app import Node
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from tests.support.inbox import receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def seed(node: Node, alice: Actor, zoe: Actor) -> dict[str, object]:
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
    obj = note(zoe, 1, "first")
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    return obj


async def test_author_edit_keeps_previous_version(node: Node, alice: Actor, zoe: Actor) -> None:
    obj = await seed(node, alice, zoe)
    edited = {**obj, "content": "<p>second</p>", "updated": "2026-11-20T11:00:00Z"}
    update = {"id": f"{obj['id']}#updates/1", "type": "Update", "actor": zoe.uri, "object": edited}
    item = await receive(node, zoe, update)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        post = await posts_db.by_uri(conn, str(obj["id"]))
        assert post is not None and "second" in post.content and post.edited_at is not None
        assert ["first" in v.content for v in await posts_db.versions(conn, post.id)] == [True]


async def test_an_edited_content_warning_is_sanitised_as_a_new_one_is(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    obj = await seed(node, alice, zoe)
    edited = {
        **obj,
        "summary": 'Court <script>alert(1)</script><img src="x" onerror="steal()">',
        "updated": "2026-11-20T11:00:00Z",
    }
    update = {"id": f"{obj['id']}#updates/1", "type": "Update", "actor": zoe.uri, "object": edited}
    item = await receive(node, zoe, update)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        post = await posts_db.by_uri(conn, str(obj["id"]))
    assert post is not None and post.summary.startswith("Court")
    assert "<script" not in post.summary and "onerror" not in post.summary


async def test_update_of_someone_elses_post_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    obj = await seed(node, alice, zoe)
    hijack = {**obj, "attributedTo": "https://remote.example/users/eve", "content": "<p>pwned</p>"}
    eve = await _eve(node)
    update = {
        "id": "https://remote.example/u/1",
        "type": "Update",
        "actor": eve.uri,
        "object": hijack,
    }
    item = await receive(node, eve, update)
    assert item.state == "refused"
    async with node.pool.acquire() as conn:
        post = await posts_db.by_uri(conn, str(obj["id"]))
        assert post is not None and "first" in post.content
        assert await posts_db.versions(conn, post.id) == []


async def test_actor_updates_its_profile(node: Node, zoe: Actor) -> None:
    document = {
        "id": zoe.uri,
        "type": "Person",
        "preferredUsername": "zoe",
        "name": "Zoé N.",
        "summary": "<p>Reporter</p>",
        "inbox": zoe.inbox_url,
        "publicKey": {"id": zoe.key_id, "owner": zoe.uri, "publicKeyPem": zoe.public_key_pem},
    }
    item = await receive(
        node,
        zoe,
        {"id": f"{zoe.uri}#updates/2", "type": "Update", "actor": zoe.uri, "object": document},
    )
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        refreshed = await actors_db.by_uri(conn, zoe.uri)
    assert refreshed is not None and refreshed.display_name == "Zoé N."


async def test_actor_cannot_update_another_actor(node: Node, zoe: Actor, mallory: Actor) -> None:
    document = {
        "id": zoe.uri,
        "type": "Person",
        "preferredUsername": "zoe",
        "name": "hacked",
        "inbox": zoe.inbox_url,
        "publicKey": {"id": zoe.key_id, "owner": zoe.uri, "publicKeyPem": zoe.public_key_pem},
    }
    item = await receive(
        node,
        mallory,
        {"id": f"{mallory.uri}#u/3", "type": "Update", "actor": mallory.uri, "object": document},
    )
    assert item.state == "refused"
    async with node.pool.acquire() as conn:
        assert (await actors_db.by_uri(conn, zoe.uri)).display_name != "hacked"  # type: ignore[union-attr]


async def _eve(node: Node) -> Actor:
    from tests.support.actors import remote_actor

    return await remote_actor(node.pool, "eve", "remote.example")
