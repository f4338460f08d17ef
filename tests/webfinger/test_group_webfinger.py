"""WebFinger and the node's counts for groups: only public groups can be found; confidential
groups' posts are not counted where anyone can read the counts."""

import httpx
import pytest

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain import groups
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft, write_post

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def setup(node: Node) -> tuple[Actor, dict[str, groups.Group]]:
    alice = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    made = {}
    async with node.pool.acquire() as conn, conn.transaction():
        for name, visibility in (
            ("lawyers", "public"),
            ("circle", "members"),
            ("safehouse", "confidential"),
        ):
            made[name], _ = await groups.create_group(
                conn,
                node.urls,
                node.settings.domain,
                alice,
                groups.NewGroup(name, visibility=visibility),
            )
    return alice, made


async def test_public_group_is_found_as_a_group(node: Node, client: httpx.AsyncClient) -> None:
    await setup(node)
    for resource in (
        "acct:lawyers@fedi.test",
        "https://fedi.test/groups/lawyers",
        "https://fedi.test/@lawyers",
    ):
        response = await client.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status_code == 200, resource
        jrd = response.json()
        assert jrd["subject"] == "acct:lawyers@fedi.test"
        [self_link] = [link for link in jrd["links"] if link["rel"] == "self"]
        assert self_link["href"] == "https://fedi.test/groups/lawyers"
        assert self_link["properties"] == {"https://www.w3.org/ns/activitystreams#type": "Group"}


async def test_members_and_confidential_groups_are_not_found(
    node: Node, client: httpx.AsyncClient
) -> None:
    await setup(node)
    missing = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:nobody@fedi.test"}
    )
    assert missing.status_code == 404
    for name in ("circle", "safehouse"):
        for resource in (
            f"acct:{name}@fedi.test",
            f"https://fedi.test/groups/{name}",
            f"https://fedi.test/@{name}",
        ):
            response = await client.get("/.well-known/webfinger", params={"resource": resource})
            assert response.status_code == 404, resource
            assert response.json() == missing.json()
    # People are found as before.
    person = await client.get("/.well-known/webfinger", params={"resource": "acct:alice@fedi.test"})
    assert person.status_code == 200
    assert "properties" not in person.json()["links"][0]


async def test_confidential_posts_are_not_counted(node: Node, client: httpx.AsyncClient) -> None:
    alice, made = await setup(node)
    async with node.pool.acquire() as conn, conn.transaction():
        for text, group in (("open", None), ("members", "circle"), ("secret", "safehouse")):
            draft = Draft(text, group_id=made[group].id if group else None)
            await write_post(conn, node.urls, node.settings.domain, alice, draft, {})
    nodeinfo = (await client.get("/nodeinfo/2.1")).json()
    assert nodeinfo["usage"]["localPosts"] == 2
    instance = (await client.get("/api/v1/instance")).json()
    assert instance["stats"]["status_count"] == 2
    weeks = (await client.get("/api/v1/instance/activity")).json()
    assert weeks[0]["statuses"] == "2"
