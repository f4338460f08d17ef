"""NodeInfo with real counts."""

import httpx
import pytest

from fedi.app import Node
from fedi.domain.accounts import create_user

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_discovery_lists_both_versions(client: httpx.AsyncClient) -> None:
    links = (await client.get("/.well-known/nodeinfo")).json()["links"]
    assert links == [
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
            "href": "https://fedi.test/nodeinfo/2.0",
        },
        {
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": "https://fedi.test/nodeinfo/2.1",
        },
    ]


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_counts_are_real(node: Node, client: httpx.AsyncClient, version: str) -> None:
    alice = await create_user(node.pool, node.urls, node.settings.domain, "alice")
    await create_user(node.pool, node.urls, node.settings.domain, "bob")
    async with node.pool.acquire() as conn:
        for n in range(3):
            await conn.execute(
                "INSERT INTO posts (uri, actor_id, local, visibility)"
                " VALUES ($1, $2, true, 'public')",
                f"https://fedi.test/posts/{n}",
                alice.actor.id,
            )
    response = await client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert f"schema/{version}#" in response.headers["content-type"]
    doc = response.json()
    assert doc["version"] == version
    assert doc["software"]["name"] == "fedi"
    assert doc["protocols"] == ["activitypub"]
    assert doc["usage"]["users"] == {"total": 2, "activeMonth": 2, "activeHalfyear": 2}
    assert doc["usage"]["localPosts"] == 3
    assert doc["openRegistrations"] is False
    assert doc["metadata"]["nodeName"] == "fedi"
    assert doc["metadata"]["mastodonApiVersion"].startswith("4.3.0 (compatible; fedi ")


async def test_unknown_version_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nodeinfo/9.9")).status_code == 404
