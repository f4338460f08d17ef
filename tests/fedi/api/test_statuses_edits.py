"""Statuses over HTTP: editing, the edit history, the source, and the thread around a status."""

import httpx
import pytest

from fedi.app import Node
from fedi.db import media as media_db
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.fedi.api.test_statuses import count_posts, new_media, post_status

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_edit_replaces_the_text(client: httpx.AsyncClient, alice: ApiUser) -> None:
    status = await post_status(client, alice, status="first words", language="en")
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=alice.headers,
        json={"status": "better words", "spoiler_text": "cw"},
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert "better words" in edited["content"]
    assert edited["spoiler_text"] == "cw"
    assert edited["sensitive"] is True
    assert edited["language"] == "en"  # kept: the client did not send it
    assert edited["edited_at"] is not None
    assert edited["id"] == status["id"]


async def test_edit_history_lists_every_version_oldest_first(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="one")
    path = f"/api/v1/statuses/{status['id']}"
    for text in ("two", "three"):
        response = await client.put(path, headers=alice.headers, json={"status": text})
        assert response.status_code == 200
    history = await get_json(client, f"{path}/history")
    for edit in history:
        assert_entity(edit, "StatusEdit")
    assert [edit["content"] for edit in history] == ["<p>one</p>", "<p>two</p>", "<p>three</p>"]
    assert [edit["created_at"] for edit in history] == sorted(e["created_at"] for e in history)
    assert history[-1]["account"]["id"] == str(alice.actor.id)


async def test_history_of_an_unedited_status_is_its_one_version(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="as written")
    history = await get_json(client, f"/api/v1/statuses/{status['id']}/history")
    assert [edit["content"] for edit in history] == [status["content"]]
    assert history[0]["created_at"] == status["created_at"]


async def test_history_of_a_hidden_status_is_404(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="friends", visibility="private")
    response = await client.get(f"/api/v1/statuses/{status['id']}/history", headers=bob.headers)
    assert response.status_code == 404


async def test_edit_changes_attachments_and_history_keeps_the_old_ones(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    old, new = await new_media(node, alice, "old.png"), await new_media(node, alice, "new.png")
    status = await post_status(client, alice, status="pictures", media_ids=[old])
    path = f"/api/v1/statuses/{status['id']}"
    response = await client.put(
        path,
        headers=alice.headers,
        json={
            "status": "pictures",
            "media_ids": [str(new)],
            "media_attributes": [{"id": str(new), "description": "a hill", "focus": "0.5,-0.25"}],
        },
    )
    assert response.status_code == 200, response.text
    attachment = response.json()["media_attachments"]
    assert [(m["id"], m["description"]) for m in attachment] == [(str(new), "a hill")]
    assert attachment[0]["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    history = await get_json(client, f"{path}/history")
    assert [[m["id"] for m in e["media_attachments"]] for e in history] == [[str(old)], [str(new)]]
    async with node.pool.acquire() as conn:
        assert (await media_db.by_id(conn, old)) is not None
        assert [row.id for row in await media_db.of_post(conn, int(status["id"]))] == [new]


async def test_edit_without_media_ids_keeps_the_attachments(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    media = await new_media(node, alice)
    status = await post_status(client, alice, status="picture", media_ids=[media])
    response = await client.put(
        f"/api/v1/statuses/{status['id']}", headers=alice.headers, data={"status": "new words"}
    )
    assert [m["id"] for m in response.json()["media_attachments"]] == [str(media)]


async def test_describing_media_not_in_the_post_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    stray = await new_media(node, alice)
    status = await post_status(client, alice, status="before")
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=alice.headers,
        json={"status": "after", "media_attributes": [{"id": stray, "description": "x"}]},
    )
    assert response.status_code == 422
    assert str(stray) in response.json()["error"]
    seen = await get_json(client, f"/api/v1/statuses/{status['id']}", alice)
    assert "before" in seen["content"]
    assert seen["edited_at"] is None


async def test_editing_another_accounts_status_is_404(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(client, alice, status="mine")
    response = await client.put(
        f"/api/v1/statuses/{status['id']}", headers=bob.headers, json={"status": "yours"}
    )
    assert response.status_code == 404
    seen = await get_json(client, f"/api/v1/statuses/{status['id']}")
    assert "mine" in seen["content"]


async def test_edit_to_nothing_is_refused(client: httpx.AsyncClient, alice: ApiUser) -> None:
    status = await post_status(client, alice, status="something")
    response = await client.put(
        f"/api/v1/statuses/{status['id']}", headers=alice.headers, json={"status": ""}
    )
    assert response.status_code == 422


async def test_source_gives_the_plain_text(client: httpx.AsyncClient, alice: ApiUser) -> None:
    status = await post_status(client, alice, status="see <this> #tag", spoiler_text="cw")
    source = await get_json(client, f"/api/v1/statuses/{status['id']}/source", alice)
    assert_entity(source, "StatusSource")
    assert source == {"id": status["id"], "text": "see <this> #tag", "spoiler_text": "cw"}


async def test_source_needs_a_token(client: httpx.AsyncClient, alice: ApiUser) -> None:
    status = await post_status(client, alice, status="x")
    assert (await client.get(f"/api/v1/statuses/{status['id']}/source")).status_code == 401


async def test_context_lists_the_thread_in_order(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    root = await post_status(client, alice, status="root")
    first = await post_status(client, bob, status="first", in_reply_to_id=root["id"])
    second = await post_status(client, alice, status="second", in_reply_to_id=root["id"])
    under_first = await post_status(client, alice, status="deeper", in_reply_to_id=first["id"])
    context = await get_json(client, f"/api/v1/statuses/{root['id']}/context")
    assert_entity(context, "Context")
    assert context["ancestors"] == []
    assert [s["id"] for s in context["descendants"]] == [
        first["id"],
        under_first["id"],
        second["id"],
    ]
    around = await get_json(client, f"/api/v1/statuses/{under_first['id']}/context", bob)
    assert [s["id"] for s in around["ancestors"]] == [root["id"], first["id"]]
    assert around["descendants"] == []


async def test_context_leaves_out_what_the_viewer_may_not_see(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, bob: ApiUser, make_user: MakeUser
) -> None:
    carol = await make_user("carol")
    await node.publisher.follow(bob.actor, alice.actor)
    root = await post_status(client, alice, status="root")
    private = await post_status(
        client, alice, status="friends", visibility="private", in_reply_to_id=root["id"]
    )
    public = await post_status(client, bob, status="open", in_reply_to_id=private["id"])
    path = f"/api/v1/statuses/{root['id']}/context"
    for_bob = await get_json(client, path, bob)
    assert [s["id"] for s in for_bob["descendants"]] == [private["id"], public["id"]]
    for_carol = await get_json(client, path, carol)
    assert [s["id"] for s in for_carol["descendants"]] == [public["id"]]
    anonymous = await get_json(client, f"/api/v1/statuses/{public['id']}/context")
    assert [s["id"] for s in anonymous["ancestors"]] == [root["id"]]


async def test_context_of_a_hidden_status_is_404(
    client: httpx.AsyncClient, node: Node, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="friends", visibility="private")
    assert (await client.get(f"/api/v1/statuses/{status['id']}/context")).status_code == 404
    assert await count_posts(node) == 1
