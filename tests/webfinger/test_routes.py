"""WebFinger and host-meta served for local actors only."""

import httpx
import pytest

from fedi.app import Node
from fedi.domain.accounts import create_user

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _alice(node: Node) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "alice")


@pytest.mark.parametrize(
    "resource",
    [
        "acct:alice@fedi.test",
        "acct:Alice@FEDI.TEST",
        "acct%3Aalice%40fedi.test",
        "https://fedi.test/users/alice",
        "https://fedi.test/@alice",
    ],
)
async def test_webfinger_finds_local_account(
    node: Node, client: httpx.AsyncClient, resource: str
) -> None:
    await _alice(node)
    response = await client.get(f"/.well-known/webfinger?resource={resource}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jrd+json")
    assert response.headers["access-control-allow-origin"] == "*"
    jrd = response.json()
    assert jrd["subject"] == "acct:alice@fedi.test"
    assert "https://fedi.test/users/alice" in jrd["aliases"]
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links == [
        {
            "rel": "self",
            "type": "application/activity+json",
            "href": "https://fedi.test/users/alice",
        }
    ]


async def test_webfinger_rel_filter(node: Node, client: httpx.AsyncClient) -> None:
    await _alice(node)
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alice@fedi.test", "rel": "self"}
    )
    assert [link["rel"] for link in response.json()["links"]] == ["self"]


async def test_instance_actor_by_webfinger(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:fedi.test@fedi.test"}
    )
    assert response.status_code == 200
    assert response.json()["links"][0]["href"] == "https://fedi.test/actor"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:nobody@fedi.test",
        "acct:alice@other.example",
        "https://other.example/users/alice",
        "https://fedi.test/users/nobody",
    ],
)
async def test_unknown_or_foreign_resource_is_404(
    node: Node, client: httpx.AsyncClient, resource: str
) -> None:
    await _alice(node)
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?resource=",
        "?resource=alice",
        "?resource=acct:alice",
        "?resource=mailto:x@y",
        "?resource=acct:a@b&resource=acct:c@d",
        "?resource=acct:alice@bad host",
    ],
)
async def test_malformed_query_is_400(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get("/.well-known/webfinger" + query)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_host_meta_xml_and_json(client: httpx.AsyncClient) -> None:
    xml = await client.get("/.well-known/host-meta")
    assert xml.status_code == 200
    assert xml.headers["content-type"].startswith("application/xrd+xml")
    assert 'template="https://fedi.test/.well-known/webfinger?resource={uri}"' in xml.text
    js = await client.get("/.well-known/host-meta.json")
    assert js.json() == {
        "links": [
            {"rel": "lrdd", "template": "https://fedi.test/.well-known/webfinger?resource={uri}"}
        ]
    }
