"""Actor documents served as ActivityPub JSON or as an HTML profile."""

import asyncio
from typing import Any

import httpx
import pytest

from activitypub.vocab import parse_actor
from fedi.app import Node
from fedi.domain.accounts import create_user
from fedi.domain.groups import NewGroup, create_group
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

AS_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.mark.parametrize("accept", [AS_JSON, LD_JSON])
async def test_person_document(node: Node, client: httpx.AsyncClient, accept: str) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "alice")
    response = await client.get("/users/alice", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(AS_JSON)
    doc = response.json()
    assert doc["id"] == "https://fedi.test/users/alice"
    assert doc["type"] == "Person"
    assert doc["preferredUsername"] == "alice"
    assert doc["inbox"] == "https://fedi.test/users/alice/inbox"
    assert doc["outbox"] == "https://fedi.test/users/alice/outbox"
    assert doc["followers"] == "https://fedi.test/users/alice/followers"
    assert doc["following"] == "https://fedi.test/users/alice/following"
    assert doc["endpoints"] == {"sharedInbox": "https://fedi.test/inbox"}
    assert doc["url"] == "https://fedi.test/@alice"
    assert doc["manuallyApprovesFollowers"] is False
    assert doc["discoverable"] is True
    assert doc["publicKey"]["id"] == "https://fedi.test/users/alice#main-key"
    assert doc["publicKey"]["owner"] == doc["id"]
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert "https://www.w3.org/ns/activitystreams" in doc["@context"]
    # What a remote server does with it: our own parser applies the same checks.
    assert parse_actor(doc).inbox == doc["inbox"]


async def test_key_is_stable_across_fetches(node: Node, client: httpx.AsyncClient) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "alice")
    first = (await client.get("/users/alice", headers={"Accept": AS_JSON})).json()
    second = (await client.get("/users/alice", headers={"Accept": AS_JSON})).json()
    assert first["publicKey"] == second["publicKey"]


async def test_group_and_instance_actor(node: Node, client: httpx.AsyncClient) -> None:
    owner = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    async with node.pool.acquire() as conn:
        await create_group(
            conn,
            node.urls,
            node.settings.domain,
            owner,
            NewGroup("lawyers", display_name="Lawyers' Collective", join_policy="approval"),
        )
    group = (await client.get("/groups/lawyers", headers={"Accept": AS_JSON})).json()
    assert group["type"] == "Group"
    assert group["name"] == "Lawyers' Collective"
    assert group["manuallyApprovesFollowers"] is True
    instance = (await client.get("/actor", headers={"Accept": AS_JSON})).json()
    assert instance["type"] == "Application"
    assert instance["id"] == "https://fedi.test/actor"
    assert instance["preferredUsername"] == "fedi.test"
    assert instance["publicKey"]["owner"] == "https://fedi.test/actor"
    # A person's path does not serve the group, nor the reverse.
    assert (await client.get("/users/lawyers", headers={"Accept": AS_JSON})).status_code == 404


async def test_html_profile_for_browsers(node: Node, client: httpx.AsyncClient) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "alice")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET summary = $1 WHERE username = 'alice'",
            '<p>Human-rights lawyer</p><script>alert("x")</script>',
        )
    for path in ("/users/alice", "/@alice"):
        response = await client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "@alice@fedi.test" in response.text
        assert "<p>Human-rights lawyer</p>" in response.text
        assert "<script>" not in response.text
        assert (
            'type="application/activity+json" href="https://fedi.test/users/alice"' in response.text
        )


async def test_unknown_actor_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/nobody", headers={"Accept": AS_JSON})).status_code == 404
    assert (await client.get("/users/nobody")).status_code == 404


async def test_collections_are_ordered_collections(node: Node, client: httpx.AsyncClient) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "alice")
    for name in ("outbox", "followers", "following"):
        response = await client.get(f"/users/alice/{name}", headers={"Accept": AS_JSON})
        assert response.status_code == 200
        doc = response.json()
        assert doc["id"] == f"https://fedi.test/users/alice/{name}"
        assert doc["type"] == "OrderedCollection"
        assert doc["totalItems"] == 0
    assert (
        await client.get("/users/alice/secrets", headers={"Accept": AS_JSON})
    ).status_code == 404


async def test_two_fetches_of_one_remote_actor_at_once_both_store_it(pool: Any) -> None:
    """Concurrent resolutions of the same actor (two signed requests arriving together) must
    not fail on the key id, which ON CONFLICT (uri) does not arbitrate."""
    for attempt in range(20):
        username = f"racer{attempt}"

        async def store(name: str) -> int:
            actor = await remote_actor(pool, name)
            return actor.id

        first, second = await asyncio.gather(store(username), store(username))
        assert first == second
