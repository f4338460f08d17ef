"""Post permalinks at /@name/id: the thread for browsers, the Note for servers."""

import pytest

from fedi.app import Node
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

AS_JSON = {"Accept": "application/activity+json"}


async def person(node: Node, name: str) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def test_a_visitor_reads_a_public_post_with_its_thread(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice, carol = await person(node, "alice"), await person(node, "carol")
    question = await node.publisher.post(carol, Draft("Who can help in Izmir?"))
    post = await node.publisher.post(alice, Draft("I can, write to me", in_reply_to_id=question.id))
    answer = await node.publisher.post(carol, Draft("Thank you!", in_reply_to_id=post.id))
    visitor = await make_browser()
    response = await visitor.http.get(f"/@alice/{post.id}")
    assert response.status_code == 200
    assert response.headers["vary"] == "Accept"
    html = response.text
    assert "I can, write to me" in html
    assert "Who can help in Izmir?" in html and "Thank you!" in html
    assert f'id="status-{answer.id}"' in html
    # Replying is for members.
    assert 'id="reply-heading"' not in html


async def test_servers_still_get_the_note(node: Node, make_browser: MakeBrowser) -> None:
    alice = await person(node, "alice")
    post = await node.publisher.post(alice, Draft("For the fediverse"))
    visitor = await make_browser()
    response = await visitor.http.get(f"/@alice/{post.id}", headers=AS_JSON)
    assert response.status_code == 200
    assert response.json()["id"] == post.uri and response.json()["type"] == "Note"


async def test_a_post_under_another_name_or_unknown_is_not_found(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await person(node, "alice")
    await person(node, "bob")
    post = await node.publisher.post(alice, Draft("Mine"))
    visitor = await make_browser()
    for path in (f"/@bob/{post.id}", f"/@alice/{post.id + 1000}", "/@alice/abc"):
        html = await visitor.page(path, status=404)
        assert "Mine" not in html and "/@bob" not in html


async def test_a_visitor_sees_only_what_an_anonymous_caller_may(
    node: Node, make_browser: MakeBrowser
) -> None:
    alice = await person(node, "alice")
    unlisted = await node.publisher.post(alice, Draft("Quietly public", visibility="unlisted"))
    private = await node.publisher.post(alice, Draft("Friends only", visibility="followers"))
    local = await node.publisher.post(alice, Draft("Members of this node", visibility="local"))
    visitor = await make_browser()
    assert "Quietly public" in await visitor.page(f"/@alice/{unlisted.id}")
    for post in (private, local):
        html = await visitor.page(f"/@alice/{post.id}", status=404)
        assert "Friends only" not in html and "Members of this node" not in html
    # A follower signed in here reads the followers' post; any member reads the local one.
    friend = await make_browser("friend")
    assert friend.actor is not None
    async with node.pool.acquire() as conn:
        uri = f"{friend.actor.uri}#follows/1"
        await follows_db.upsert(conn, uri, friend.actor.id, alice.id, accepted=True)
    assert "Friends only" in await friend.page(f"/@alice/{private.id}")
    assert "Members of this node" in await friend.page(f"/@alice/{local.id}")


async def test_post_text_is_escaped(node: Node, make_browser: MakeBrowser) -> None:
    alice = await person(node, "alice")
    post = await node.publisher.post(alice, Draft("<script>alert('x')</script> hello"))
    html = await (await make_browser()).page(f"/@alice/{post.id}")
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
