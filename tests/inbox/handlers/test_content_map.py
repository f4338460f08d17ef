"""A remote post in several languages (contentMap): kept sanitised and bounded, its own language
picked, and replaced by an Update."""

from typing import Any

import pytest

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


async def test_other_languages_are_kept_sanitised(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(
        zoe,
        1,
        "hello",
        contentMap={
            "fr": "<p>bonjour <script>alert(1)</script><b>à tous</b></p>",
            "en": "<p>hello</p>",
            "ar": '<p onclick="x()">مرحبا <img src="https://tracker.example/x.png"></p>',
        },
    )
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    post = await stored(node, obj["id"])
    # The entry that is the content is the post's own language, wherever it stands in the map.
    assert post.language == "en"
    assert set(post.content_map) == {"en", "fr", "ar"}
    assert "<script>" not in post.content_map["fr"] and "alert" not in post.content_map["fr"]
    assert "<b>à tous</b>" in post.content_map["fr"]
    assert "onclick" not in post.content_map["ar"] and "<img" not in post.content_map["ar"]


async def test_keys_that_are_no_language_are_dropped(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(
        zoe,
        2,
        "hello",
        contentMap={
            "en": "<p>hello</p>",
            '"><script>': "<p>x</p>",
            "a" * 40: "<p>y</p>",
            "de": 7,
        },
    )
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    assert (await stored(node, obj["id"])).content_map == {"en": "<p>hello</p>"}


async def test_too_many_languages_are_refused(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    languages = {f"x{chr(97 + i // 26)}{chr(97 + i % 26)}": "<p>x</p>" for i in range(21)}
    obj = note(zoe, 3, "hello", contentMap=languages)
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "refused"
    assert "at most 20" in (item.last_error or "")
    assert await count(node, "posts") == 0


async def test_several_languages_none_the_content_leave_the_language_open(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    await followed(node, alice, zoe)
    obj = note(zoe, 4, "hello", contentMap={"fr": "<p>salut</p>", "de": "<p>hallo</p>"})
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    post = await stored(node, obj["id"])
    assert post.language is None and set(post.content_map) == {"fr", "de"}


async def test_an_update_replaces_the_languages(node: Node, alice: Actor, zoe: Actor) -> None:
    await followed(node, alice, zoe)
    obj = note(zoe, 5, "hello", contentMap={"en": "<p>hello</p>", "fr": "<p>bonjour</p>"})
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    edited = {
        **obj,
        "content": "<p>hola</p>",
        "contentMap": {"es": "<p>hola</p>", "de": "<p>hallo <script>x</script></p>"},
        "updated": "2026-11-20T11:00:00Z",
    }
    update = {"id": f"{obj['id']}#updates/1", "type": "Update", "actor": zoe.uri, "object": edited}
    item = await receive(node, zoe, update)
    assert item.state == "done", item.last_error
    post = await stored(node, obj["id"])
    assert post.language == "es"
    assert post.content_map == {"es": "<p>hola</p>", "de": "<p>hallo </p>"}
    async with node.pool.acquire() as conn:
        versions = await posts_db.versions(conn, post.id)
    assert [set(v.content_map) for v in versions] == [{"en", "fr"}]
