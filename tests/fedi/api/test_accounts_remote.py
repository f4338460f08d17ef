"""Accounts on other servers through the client API: found by WebFinger, followed over HTTP."""

from collections.abc import Iterator

import httpx
import orjson
import pytest

from fedi.app import Node
from fedi.config import Settings
from tests.conftest import make_settings
from tests.fedi.api.conftest import ApiUser, get_json
from tests.support.inbox import receive
from tests.support.remote import RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEYS = new_keys()


@pytest.fixture
def settings() -> Settings:
    """The remote stand-in listens on loopback, which a node refuses to reach unless told."""
    return make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture
def zoe(remote: RemoteServer) -> str:
    """zoe's handle on the remote server, freshly published there."""
    remote.requests.clear()
    remote.add_actor("zoe", KEYS.public_pem, name="Zoe Reporter")
    remote.documents["/users/zoe/inbox"] = {}
    return f"zoe@{remote.domain}"


async def test_lookup_resolves_an_unknown_handle_by_webfinger(
    client: httpx.AsyncClient, alice: ApiUser, remote: RemoteServer, zoe: str
) -> None:
    account = await get_json(client, "/api/v1/accounts/lookup", alice, params={"acct": zoe})
    assert (account["acct"], account["display_name"]) == (zoe, "Zoe Reporter")
    assert remote.hits("/.well-known/webfinger") == 1
    again = await get_json(client, f"/api/v1/accounts/{account['id']}")
    assert again["uri"] == f"{remote.base_url}/users/zoe"


async def test_anonymous_lookup_never_reaches_out(
    client: httpx.AsyncClient, remote: RemoteServer, zoe: str
) -> None:
    response = await client.get("/api/v1/accounts/lookup", params={"acct": zoe})
    assert response.status_code == 404
    assert remote.requests == []


async def test_lookup_of_a_handle_the_remote_does_not_know(
    client: httpx.AsyncClient, alice: ApiUser, remote: RemoteServer, zoe: str
) -> None:
    response = await client.get(
        "/api/v1/accounts/lookup",
        params={"acct": f"nobody@{remote.domain}"},
        headers=alice.headers,
    )
    assert (response.status_code, response.json()) == (404, {"error": "Record not found"})


async def test_search_with_resolve_finds_a_remote_account(
    client: httpx.AsyncClient, alice: ApiUser, remote: RemoteServer, zoe: str
) -> None:
    path = "/api/v1/accounts/search"
    assert await get_json(client, path, alice, params={"q": zoe}) == []
    assert remote.requests == []
    found = await get_json(client, path, alice, params={"q": f"@{zoe}", "resolve": "true"})
    # zoe's server does not say she is discoverable: her whole address still finds her.
    assert [account["acct"] for account in found] == [zoe]
    partial = await get_json(client, path, alice, params={"q": "zo"})
    assert partial == []


async def test_follow_a_remote_account_until_it_accepts(
    client: httpx.AsyncClient,
    node: Node,
    alice: ApiUser,
    remote: RemoteServer,
    zoe: str,
) -> None:
    account = await get_json(client, "/api/v1/accounts/lookup", alice, params={"acct": zoe})
    response = await client.post(f"/api/v1/accounts/{account['id']}/follow", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["following"], response.json()["requested"]) == (False, True)

    # The Follow really leaves, signed, for zoe's inbox.
    assert await node.delivery_worker().run_once() == 1
    (sent,) = [r for r in remote.requests if r.method == "POST"]
    assert sent.path == "/users/zoe/inbox"
    assert 'keyId="https://fedi.test/users/alice#main-key"' in sent.headers["signature"]
    follow = orjson.loads(sent.body)
    assert (follow["type"], follow["actor"], follow["object"]) == (
        "Follow",
        alice.actor.uri,
        f"{remote.base_url}/users/zoe",
    )

    zoe_actor = await node.resolver.actor_by_acct(zoe)
    accept = {
        "id": f"{zoe_actor.uri}#accepts/1",
        "type": "Accept",
        "actor": zoe_actor.uri,
        "object": follow,
    }
    assert (await receive(node, zoe_actor, accept)).state == "done"
    (relationship,) = await get_json(
        client, "/api/v1/accounts/relationships", alice, params={"id[]": account["id"]}
    )
    assert (relationship["following"], relationship["requested"]) == (True, False)


async def test_unfollow_of_a_remote_account_sends_undo(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, zoe: str
) -> None:
    account = await get_json(client, "/api/v1/accounts/lookup", alice, params={"acct": zoe})
    await client.post(f"/api/v1/accounts/{account['id']}/follow", headers=alice.headers)
    response = await client.post(
        f"/api/v1/accounts/{account['id']}/unfollow", headers=alice.headers
    )
    assert (response.json()["following"], response.json()["requested"]) == (False, False)
    async with node.pool.acquire() as conn:
        kinds = await conn.fetch("SELECT activity_type FROM activities ORDER BY id")
    assert [row["activity_type"] for row in kinds] == ["Follow", "Undo"]
