"""The inbox endpoints: size, type, shape and signature checks, then one stored row and a 202."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from activitypub.signatures import HttpSignatureAuth
from fedi.app import Node, running_node
from fedi.domain.accounts import create_local_actor, create_user
from fedi.domain.groups import NewGroup, create_group
from inbox.routes import MAX_BODY_BYTES, routes
from tests.conftest import make_settings
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")

ACTIVITY_JSON = {"Content-Type": "application/activity+json"}


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
async def node(
    pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys, trent_keys: RemoteKeys
) -> AsyncIterator[Node]:
    remote.documents.clear()
    remote.requests.clear()
    remote.add_actor("mallory", mallory_keys.public_pem)
    remote.add_actor("trent", trent_keys.public_pem)
    async with running_node(make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1"), pool) as running_:
        yield running_


def client_for(node: Node, **options: Any) -> httpx.AsyncClient:
    app = Starlette(routes=routes(node.pool, node.settings, node.resolver, **options))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=node.settings.base_url
    )


@pytest_asyncio.fixture(loop_scope="session")
async def http(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(node) as client:
        yield client


def auth(remote: RemoteServer, username: str, keys: RemoteKeys) -> HttpSignatureAuth:
    return HttpSignatureAuth(f"{remote.base_url}/users/{username}#main-key", keys.private_pem)


def like(remote: RemoteServer, number: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base_url}/activities/{number}",
        "type": "Like",
        "actor": f"{remote.base_url}/users/mallory",
        "object": "https://fedi.test/posts/1",
        **extra,
    }


async def post_signed(
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: RemoteKeys,
    body: bytes | dict[str, Any],
    path: str = "/inbox",
    username: str = "mallory",
) -> httpx.Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return await http.post(
        path, content=content, headers=ACTIVITY_JSON, auth=auth(remote, username, keys)
    )


async def rows(pool: Any) -> list[Any]:
    async with pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM inbox_items ORDER BY id"))


class CountingBody:
    """A streamed request body that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total = total
        self.chunk = chunk
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += self.chunk
            yield b" " * self.chunk


async def test_signed_activity_is_stored_once_and_answered_202(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    response = await post_signed(http, remote, mallory_keys, like(remote))
    assert response.status_code == 202, response.text
    stored = await rows(pool)
    assert len(stored) == 1
    item = stored[0]
    assert item["activity_uri"] == f"{remote.base_url}/activities/1"
    assert item["activity_type"] == "Like"
    assert item["state"] == "pending"
    assert item["document"] == like(remote)
    async with pool.acquire() as conn:
        signer_uri = await conn.fetchval("SELECT uri FROM actors WHERE id = $1", item["signer_id"])
    assert signer_uri == f"{remote.base_url}/users/mallory"


async def test_same_activity_twice_is_202_twice_and_one_row(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    first = await post_signed(http, remote, mallory_keys, like(remote))
    second = await post_signed(http, remote, mallory_keys, like(remote))
    assert (first.status_code, second.status_code) == (202, 202)
    assert len(await rows(pool)) == 1


async def test_unsigned_request_is_401_and_stores_nothing(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer
) -> None:
    response = await http.post("/inbox", content=orjson.dumps(like(remote)), headers=ACTIVITY_JSON)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Signature")
    assert await rows(pool) == []


async def test_key_of_another_actor_is_401_and_stores_nothing(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, trent_keys: RemoteKeys
) -> None:
    response = await post_signed(http, remote, trent_keys, like(remote), username="trent")
    assert response.status_code == 401
    assert "activity's actor is" in response.json()["error"]
    assert await rows(pool) == []


async def test_streamed_body_over_one_megabyte_is_413_and_not_read_to_the_end(
    http: httpx.AsyncClient, pool: Any
) -> None:
    body = CountingBody(total=20 * MAX_BODY_BYTES)
    response = await http.post("/inbox", content=body, headers=ACTIVITY_JSON)
    assert response.status_code == 413
    assert body.sent <= MAX_BODY_BYTES + 2 * body.chunk
    assert await rows(pool) == []


async def test_declared_content_length_over_the_cap_is_413_before_reading(
    http: httpx.AsyncClient, pool: Any
) -> None:
    body = CountingBody(total=2 * MAX_BODY_BYTES)
    headers = {**ACTIVITY_JSON, "Content-Length": str(2 * MAX_BODY_BYTES)}
    response = await http.post("/inbox", content=body, headers=headers)
    assert response.status_code == 413
    assert body.sent == 0
    assert await rows(pool) == []


async def test_lying_small_content_length_is_413_and_not_read_to_the_end(
    http: httpx.AsyncClient, pool: Any
) -> None:
    body = CountingBody(total=20 * MAX_BODY_BYTES)
    headers = {**ACTIVITY_JSON, "Content-Length": "100"}
    response = await http.post("/inbox", content=body, headers=headers)
    assert response.status_code == 413
    assert body.sent <= MAX_BODY_BYTES + 2 * body.chunk
    assert await rows(pool) == []


async def test_invalid_json_is_400(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    response = await post_signed(http, remote, mallory_keys, b'{"id": "x", "type": ')
    assert response.status_code == 400
    assert "invalid JSON" in response.json()["error"]
    not_object = await post_signed(http, remote, mallory_keys, b"[1, 2]")
    assert not_object.status_code == 400
    assert await rows(pool) == []


@pytest.mark.parametrize("missing", ["id", "type", "actor"])
async def test_missing_id_type_or_actor_is_400(
    http: httpx.AsyncClient,
    pool: Any,
    remote: RemoteServer,
    mallory_keys: RemoteKeys,
    missing: str,
) -> None:
    activity = like(remote)
    del activity[missing]
    response = await post_signed(http, remote, mallory_keys, activity)
    assert response.status_code == 400
    assert missing in response.json()["error"]
    wrong_kind = await post_signed(http, remote, mallory_keys, like(remote, **{missing: 7}))
    assert wrong_kind.status_code == 400
    assert await rows(pool) == []


async def test_actor_given_as_an_object_is_accepted(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    activity = like(remote, actor={"id": f"{remote.base_url}/users/mallory", "type": "Person"})
    response = await post_signed(http, remote, mallory_keys, activity)
    assert response.status_code == 202, response.text
    assert len(await rows(pool)) == 1


async def test_id_on_another_host_is_400(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    activity = like(remote, id="https://victim.example/activities/1")
    response = await post_signed(http, remote, mallory_keys, activity)
    assert response.status_code == 400
    assert "victim.example" in response.json()["error"]
    assert await rows(pool) == []


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"end": True}
    for _ in range(depth - 1):
        value = {"inner": value}
    return value


async def test_nesting_60_deep_is_400_and_30_deep_is_accepted(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    deep = await post_signed(http, remote, mallory_keys, like(remote, 1, extra=nested(60)))
    assert deep.status_code == 400
    assert "deeper" in deep.json()["error"]
    shallow = await post_signed(http, remote, mallory_keys, like(remote, 2, extra=nested(30)))
    assert shallow.status_code == 202, shallow.text
    assert [row["activity_uri"] for row in await rows(pool)] == [f"{remote.base_url}/activities/2"]


async def test_nul_character_is_400(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    response = await post_signed(http, remote, mallory_keys, like(remote, content="a\x00b"))
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]
    # The text "\u0000" escaped as ordinary characters is fine.
    text = await post_signed(http, remote, mallory_keys, like(remote, content="\\u0000"))
    assert text.status_code == 202, text.text


async def test_personal_inboxes_of_local_actors_accept_and_unknown_ones_are_404(
    http: httpx.AsyncClient, node: Node, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    await create_user(pool, node.urls, node.settings.domain, "alice", password="long enough")
    async with pool.acquire() as conn:
        await create_local_actor(
            conn, node.urls, node.settings.domain, actor_type="Group", username="lawyers"
        )
    user = await post_signed(http, remote, mallory_keys, like(remote, 1), "/users/alice/inbox")
    group = await post_signed(http, remote, mallory_keys, like(remote, 2), "/groups/lawyers/inbox")
    assert (user.status_code, group.status_code) == (202, 202)
    for path in ("/users/nobody/inbox", "/groups/nobody/inbox", "/groups/alice/inbox"):
        missing = await post_signed(http, remote, mallory_keys, like(remote, 3), path)
        assert missing.status_code == 404, path
    assert len(await rows(pool)) == 2


async def test_wrong_content_type_is_415(
    http: httpx.AsyncClient, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = await http.post(
            "/inbox",
            content=orjson.dumps(like(remote)),
            headers=headers,
            auth=auth(remote, "mallory", mallory_keys),
        )
        assert response.status_code == 415, content_type
    ld = await http.post(
        "/inbox",
        content=orjson.dumps(like(remote)),
        headers={
            "Content-Type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
        },
        auth=auth(remote, "mallory", mallory_keys),
    )
    assert ld.status_code == 202, ld.text
    assert len(await rows(pool)) == 1


async def test_domain_gate_refuses_with_403_before_any_network_call(
    node: Node, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    asked: list[str] = []

    async def gate(host: str) -> bool:
        asked.append(host)
        return host != remote.domain

    async with client_for(node, domain_gate=gate) as http:
        response = await post_signed(http, remote, mallory_keys, like(remote))
    assert response.status_code == 403
    assert asked == [remote.domain]
    assert remote.requests == []
    assert await rows(pool) == []


async def test_confidential_groups_inbox_is_404_before_the_body_is_read(
    http: httpx.AsyncClient, node: Node, pool: Any, remote: RemoteServer, mallory_keys: RemoteKeys
) -> None:
    owner = (await create_user(pool, node.urls, node.settings.domain, "alice")).actor
    async with pool.acquire() as conn, conn.transaction():
        for name, visibility in (("circle", "members"), ("safehouse", "confidential")):
            await create_group(
                conn, node.urls, node.settings.domain, owner, NewGroup(name, visibility=visibility)
            )
    hidden = await post_signed(
        http, remote, mallory_keys, like(remote, 1), "/groups/safehouse/inbox"
    )
    nowhere = await post_signed(
        http, remote, mallory_keys, like(remote, 2), "/groups/nowhere/inbox"
    )
    assert hidden.status_code == nowhere.status_code == 404
    assert hidden.json() == nowhere.json()
    # Not read at all: a body that would be refused as too large still gets the same 404.
    body = CountingBody(MAX_BODY_BYTES * 2)
    unread = await http.post("/groups/safehouse/inbox", content=body, headers=ACTIVITY_JSON)
    assert unread.status_code == 404
    assert body.sent <= 64 * 1024
    # A members group takes activities from other nodes: its remote members' Follow and Join.
    members = await post_signed(http, remote, mallory_keys, like(remote, 3), "/groups/circle/inbox")
    assert members.status_code == 202
    assert len(await rows(pool)) == 1
