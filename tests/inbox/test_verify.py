"""Signed requests: the key must resolve, verify, and belong to the activity's actor."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.signatures import HttpSignatureAuth
from fedi.app import Node, running_node
from fedi.errors import FediError
from inbox.verify import verify_activity_request, verify_signed_request
from tests.conftest import make_settings
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def mallory_keys() -> RemoteKeys:
    return new_keys()


@pytest.fixture(scope="module")
def trent_keys() -> RemoteKeys:
    return new_keys()


@pytest_asyncio.fixture(loop_scope="session")
async def verifying(
    pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys, trent_keys: RemoteKeys
) -> AsyncIterator[tuple[Node, httpx.AsyncClient]]:
    """A node with one test route that runs the verifier, as the inbox will."""
    remote.documents.clear()
    remote.requests.clear()
    remote.add_actor("mallory", mallory_keys.public_pem)
    remote.add_actor("trent", trent_keys.public_pem)
    settings = make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")
    async with running_node(settings, pool) as node:

        async def inbox(request: Request) -> Response:
            body = await request.body()
            try:
                signer = await verify_activity_request(
                    request, body, orjson.loads(body), node.resolver
                )
            except FediError as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            return JSONResponse({"signer": signer.uri}, status_code=202)

        async def signed_get(request: Request) -> Response:
            try:
                signer = await verify_signed_request(request, None, node.resolver)
            except FediError as exc:
                return JSONResponse({"error": str(exc)}, status_code=exc.status)
            return JSONResponse({"signer": signer.uri})

        app = Starlette(
            routes=[
                Route("/inbox", inbox, methods=["POST"]),
                Route("/thing", signed_get, methods=["GET"]),
            ]
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://fedi.test") as http:
            yield node, http


def auth(remote: RemoteServer, username: str, keys: RemoteKeys) -> HttpSignatureAuth:
    return HttpSignatureAuth(f"{remote.base_url}/users/{username}#main-key", keys.private_pem)


def activity(remote: RemoteServer, actor: str) -> bytes:
    return orjson.dumps(
        {
            "id": f"{remote.base_url}/activities/1",
            "type": "Like",
            "actor": f"{remote.base_url}/users/{actor}",
            "object": "https://fedi.test/posts/1",
        }
    )


async def test_valid_signature_names_the_signer(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    _, http = verifying
    response = await http.post(
        "/inbox", content=activity(remote, "mallory"), auth=auth(remote, "mallory", mallory_keys)
    )
    assert response.status_code == 202, response.text
    assert response.json()["signer"] == f"{remote.base_url}/users/mallory"
    # The key is cached: a second request does not fetch the actor again.
    await http.post(
        "/inbox", content=activity(remote, "mallory"), auth=auth(remote, "mallory", mallory_keys)
    )
    assert remote.hits("/users/mallory") == 1


async def test_key_of_another_actor_is_refused(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, trent_keys: RemoteKeys
) -> None:
    _, http = verifying
    response = await http.post(
        "/inbox", content=activity(remote, "mallory"), auth=auth(remote, "trent", trent_keys)
    )
    assert response.status_code == 401
    assert "activity's actor is" in response.json()["error"]


async def test_forged_signature_with_wrong_private_key(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, trent_keys: RemoteKeys
) -> None:
    _, http = verifying
    # Trent's private key, Mallory's key id: the signature does not verify.
    forged = HttpSignatureAuth(f"{remote.base_url}/users/mallory#main-key", trent_keys.private_pem)
    response = await http.post("/inbox", content=activity(remote, "mallory"), auth=forged)
    assert response.status_code == 401


async def test_unsigned_request_is_refused(verifying: tuple[Node, httpx.AsyncClient]) -> None:
    _, http = verifying
    response = await http.post("/inbox", content=b'{"actor": "https://x.example/u"}')
    assert response.status_code == 401
    assert (await http.get("/thing")).status_code == 401


async def test_unreachable_key_is_refused(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    _, http = verifying
    ghost = HttpSignatureAuth(f"{remote.base_url}/users/ghost#main-key", mallory_keys.private_pem)
    response = await http.post("/inbox", content=activity(remote, "ghost"), auth=ghost)
    assert response.status_code == 401
    assert "cannot find the key" in response.json()["error"]


async def test_gotosocial_style_key_id_without_fragment(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    _, http = verifying
    uri = f"{remote.base_url}/users/gts"
    key = {"id": f"{uri}/main-key", "owner": uri, "publicKeyPem": mallory_keys.public_pem}
    remote.add_actor("gts", mallory_keys.public_pem, publicKey=key)
    remote.documents["/users/gts/main-key"] = {
        "id": uri,
        "type": "Person",
        "preferredUsername": "gts",
        "publicKey": key,
    }
    signed = HttpSignatureAuth(f"{uri}/main-key", mallory_keys.private_pem)
    response = await http.post("/inbox", content=activity(remote, "gts"), auth=signed)
    assert response.status_code == 202, response.text
    assert response.json()["signer"] == uri


async def test_key_stub_pointing_at_an_actor_without_that_key_is_refused(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    _, http = verifying
    uri = f"{remote.base_url}/users/mallory"
    remote.documents["/keys/stolen"] = {
        "id": uri,
        "type": "Person",
        "publicKey": {"id": f"{remote.base_url}/keys/stolen", "owner": uri, "publicKeyPem": "x"},
    }
    signed = HttpSignatureAuth(f"{remote.base_url}/keys/stolen", mallory_keys.private_pem)
    response = await http.post("/inbox", content=activity(remote, "mallory"), auth=signed)
    assert response.status_code == 401
    assert "does not publish the key" in response.json()["error"]


async def test_rotated_key_is_refetched_at_most_once_per_five_minutes(
    verifying: tuple[Node, httpx.AsyncClient], remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    _, http = verifying
    ok = await http.get("/thing", auth=auth(remote, "mallory", mallory_keys))
    assert ok.status_code == 200
    assert remote.hits("/users/mallory") == 1
    rotated = new_keys()
    remote.add_actor("mallory", rotated.public_pem)
    # The new key is learnt by one refetch; the request signed with it is accepted.
    response = await http.get("/thing", auth=auth(remote, "mallory", rotated))
    assert response.status_code == 200, response.text
    assert remote.hits("/users/mallory") == 2
    # Bad signatures right after do not make us fetch again.
    for _ in range(3):
        bad = await http.get("/thing", auth=auth(remote, "mallory", mallory_keys))
        assert bad.status_code == 401
    assert remote.hits("/users/mallory") == 2
