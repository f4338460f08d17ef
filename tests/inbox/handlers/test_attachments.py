"""Attachments of remote posts: kept by URL as media rows on Create, replaced on Update."""

from typing import Any

import pytest

from fedi.api.entities.statuses import statuses_to_json
from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db import media as media_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from tests.support.inbox import receive
from tests.support.notes import create, note

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHOTO = {
    "type": "Document",
    "mediaType": "image/jpeg",
    "url": "https://files.remote.example/media/original/photo.jpg",
    "name": "A crowd in a square",
    "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
    "width": 1200,
    "height": 800,
    "focalPoint": [0.25, -0.5],
}
VIDEO_AS_LINK = {
    "type": "Video",
    "url": {
        "type": "Link",
        "href": "https://files.remote.example/media/clip.mp4",
        "mediaType": "video/mp4",
    },
}


async def received_post(node: Node, alice: Actor, zoe: Actor, attachment: Any) -> Any:
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
    obj = note(zoe, 1, "with pictures", attachment=attachment)
    item = await receive(node, zoe, create(zoe, obj))
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        post = await posts_db.by_uri(conn, obj["id"])
    assert post is not None
    return post


async def test_attachments_are_kept_by_url_and_shown_in_the_status(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    post = await received_post(node, alice, zoe, [PHOTO, VIDEO_AS_LINK])
    async with node.pool.acquire() as conn:
        rows = await media_db.of_post(conn, post.id)
        [status] = await statuses_to_json(conn, node.urls, alice, [post.id])
    assert [(r.file_name, r.actor_id) for r in rows] == [(None, zoe.id), (None, zoe.id)]
    photo, video = status["media_attachments"]
    assert photo["type"] == "image"
    assert photo["url"] == photo["remote_url"] == PHOTO["url"]
    assert photo["description"] == PHOTO["name"]
    assert photo["blurhash"] == PHOTO["blurhash"]
    assert photo["meta"]["original"]["size"] == "1200x800"
    assert photo["meta"]["focus"] == {"x": 0.25, "y": -0.5}
    assert video["type"] == "video"
    assert video["remote_url"] == "https://files.remote.example/media/clip.mp4"
    assert video["preview_url"] is None, "a video is no preview picture"
    assert video["description"] is None and video["blurhash"] is None


async def test_unsafe_or_malformed_attachments_are_skipped(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    post = await received_post(
        node,
        alice,
        zoe,
        [
            {"type": "Document", "url": "javascript:alert(1)"},
            {"type": "Document", "url": "file:///etc/passwd"},
            {"type": "Document", "url": "data:image/png;base64,AAAA"},
            {"type": "Document"},
            {"type": "Note", "url": "https://files.remote.example/note"},
            "https://files.remote.example/bare-string.jpg",
            {
                "type": "Image",
                "url": "https://files.remote.example/odd.png",
                "width": -5,
                "height": True,
                "blurhash": "<script>alert(1)</script>",
                "focalPoint": [7, "x"],
                "name": "n" * 5000,
            },
        ],
    )
    async with node.pool.acquire() as conn:
        rows = await media_db.of_post(conn, post.id)
    assert [r.remote_url for r in rows] == ["https://files.remote.example/odd.png"]
    [odd] = rows
    assert odd.media_type == "image"
    assert (odd.width, odd.height, odd.blurhash) == (None, None, None)
    assert (odd.focus_x, odd.focus_y) == (0.0, 0.0)
    assert len(odd.description) == 1500


async def test_a_long_list_is_cut_and_a_huge_one_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    many = [{**PHOTO, "url": f"https://files.remote.example/{i}.jpg"} for i in range(20)]
    post = await received_post(node, alice, zoe, many)
    async with node.pool.acquire() as conn:
        rows = await media_db.of_post(conn, post.id)
    assert [r.remote_url for r in rows] == [m["url"] for m in many[:16]]
    flood = note(zoe, 2, attachment=[PHOTO] * 21)
    item = await receive(node, zoe, create(zoe, flood))
    assert item.state == "refused" and "attachments" in (item.last_error or "")
    async with node.pool.acquire() as conn:
        assert await posts_db.by_uri(conn, flood["id"]) is None


async def test_an_edit_replaces_the_attachments(node: Node, alice: Actor, zoe: Actor) -> None:
    post = await received_post(node, alice, zoe, [PHOTO])
    edited = note(zoe, 1, "edited", attachment=[VIDEO_AS_LINK], updated="2026-11-20T11:00:00Z")
    update = {"id": f"{edited['id']}#updates/1", "type": "Update", "actor": zoe.uri}
    item = await receive(node, zoe, {**update, "object": edited})
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        rows = await media_db.of_post(conn, post.id)
    assert [r.remote_url for r in rows] == ["https://files.remote.example/media/clip.mp4"]
