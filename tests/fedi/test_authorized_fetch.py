"""Authorized-fetch mode: actor and collection reads need a valid signature."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from activitypub.signatures import HttpSignatureAuth
from fedi.app import create_app, running_node
from fedi.domain.accounts import create_user
from tests.conftest import make_settings
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")
AS_JSON = {"Accept": "application/activity+json"}


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def keys() -> RemoteKeys:
    return new_keys()


@pytest_asyncio.fixture(loop_scope="session")
async def strict(pool: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(FEDI_AUTHORIZED_FETCH="1", FEDI_ALLOW_PRIVATE_ADDRESSES="1")
    async with running_node(settings, pool) as node:
        await create_user(node.pool, node.urls, settings.domain, "alice")
        transport = httpx.ASGITransport(app=create_app(node))
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
            yield http


@pytest.mark.parametrize("path", ["/users/alice", "/users/alice/followers", "/users/alice/outbox"])
async def test_unsigned_reads_are_refused(strict: httpx.AsyncClient, path: str) -> None:
    response = await strict.get(path, headers=AS_JSON)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Signature")
    assert "signed requests" in response.json()["error"]


async def test_signed_reads_are_served(
    strict: httpx.AsyncClient, remote: RemoteServer, keys: RemoteKeys
) -> None:
    remote.add_actor("peer", keys.public_pem)
    auth = HttpSignatureAuth(f"{remote.base_url}/users/peer#main-key", keys.private_pem)
    for path in ("/users/alice", "/users/alice/followers"):
        response = await strict.get(path, headers=AS_JSON, auth=auth)
        assert response.status_code == 200, response.text


async def test_instance_actor_webfinger_and_pages_stay_open(strict: httpx.AsyncClient) -> None:
    assert (await strict.get("/actor", headers=AS_JSON)).status_code == 200
    finger = await strict.get("/.well-known/webfinger?resource=acct:alice@fedi.test")
    assert finger.status_code == 200
    assert (await strict.get("/@alice", headers={"Accept": "text/html"})).status_code == 200
