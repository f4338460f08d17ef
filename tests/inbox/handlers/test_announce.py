"""Announce: boosts of known posts, and of unseen ones fetched from their author's server."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from fedi.app import Node, running_node
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from tests.conftest import make_settings
from tests.support.inbox import count, receive
from tests.support.notes import note
from tests.support.remote import RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")
KEYS = new_keys()


def announce(actor: Actor, uri: str, n: int = 1) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}#announces/{n}",
        "type": "Announce",
        "actor": actor.uri,
        "object": uri,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }


async def test_boost_of_local_post(node: Node, alice: Actor, zoe: Actor) -> None:
    post = await node.publisher.post(alice, Draft("boost me"))
    assert (await receive(node, zoe, announce(zoe, post.uri))).state == "done"
    assert await count(node, "boosts") == 1


async def test_boost_of_followers_only_post_is_refused(
    node: Node, alice: Actor, zoe: Actor
) -> None:
    post = await node.publisher.post(alice, Draft("friends", visibility="followers"))
    item = await receive(node, zoe, announce(zoe, post.uri))
    assert item.state == "refused"
    assert await count(node, "boosts") == 0


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session")
async def fetching(pool: Any, remote: RemoteServer) -> AsyncIterator[Node]:
    remote.documents.clear()
    async with running_node(make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1"), pool) as running_:
        yield running_


async def test_boost_of_unseen_post_is_fetched_by_id(fetching: Node, remote: RemoteServer) -> None:
    node = fetching
    reader = (await create_user(node.pool, node.urls, node.settings.domain, "reader")).actor
    booster_doc = remote.add_actor("booster", KEYS.public_pem)
    author_doc = remote.add_actor("author", KEYS.public_pem)
    booster = await node.resolver.actor_by_uri(booster_doc["id"])
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, "https://fedi.test/f/1", reader.id, booster.id, accepted=True)
        author = await actors_db.by_uri(conn, author_doc["id"])
    assert author is None
    author_stub = await node.resolver.actor_by_uri(author_doc["id"])
    original = note(author_stub, 1, "original words")
    remote.documents["/users/author/statuses/1"] = original
    # The embedded copy lies; only the fetched one counts.
    activity = announce(booster, original["id"])
    activity["object"] = {**original, "content": "<p>forged words</p>"}
    item = await receive(node, booster, activity)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        stored = await posts_db.by_uri(conn, original["id"])
    assert stored is not None and "original words" in stored.content
    assert await count(node, "boosts") == 1


async def test_boost_by_unfollowed_account_is_not_fetched(
    fetching: Node, remote: RemoteServer
) -> None:
    node = fetching
    booster = await node.resolver.actor_by_uri(remote.add_actor("lonely", KEYS.public_pem)["id"])
    remote.requests.clear()
    item = await receive(node, booster, announce(booster, f"{remote.base_url}/notes/9"))
    assert item.state == "done"
    assert remote.hits("/notes/9") == 0
    assert await count(node, "posts") == 0
