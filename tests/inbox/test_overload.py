"""Inbox overload: past FEDI_INBOX_MAX_BACKLOG waiting items, inboxes answer 503 with
Retry-After and store nothing; the backlog is counted at most once per short window."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from activitypub.signatures import HttpSignatureAuth
from fedi.app import Node, running_node
from fedi.config import load_settings
from fedi.domain.accounts import create_user
from fedi.errors import ConfigError
from inbox.overload import CACHE_SECONDS, BacklogGate
from inbox.routes import routes
from tests.conftest import make_settings
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running

# Not a module-wide mark: the settings test at the end is not a coroutine.
on_loop = pytest.mark.asyncio(loop_scope="session")
LIMIT = 2


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def keys() -> RemoteKeys:
    return new_keys()


@pytest_asyncio.fixture(loop_scope="session")
async def node(pool: Any, remote: RemoteServer, keys: RemoteKeys) -> AsyncIterator[Node]:
    remote.documents.clear()
    remote.add_actor("mallory", keys.public_pem)
    settings = make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1", FEDI_INBOX_MAX_BACKLOG=str(LIMIT))
    async with running_node(settings, pool) as running_:
        yield running_


@pytest_asyncio.fixture(loop_scope="session")
async def http(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    # A new app per test: each starts with no remembered count.
    app = Starlette(routes=routes(node.pool, node.settings, node.resolver))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=node.settings.base_url) as client:
        yield client


async def waiting(pool: Any, n: int, state: str = "pending") -> None:
    """`n` stored items in `state`, as if received earlier."""
    async with pool.acquire() as conn:
        for i in range(n):
            await conn.execute(
                "INSERT INTO inbox_items (activity_uri, activity_type, document, state)"
                " VALUES ($1, 'Like', '{}', $2)",
                f"https://elsewhere.example/{state}/{i}",
                state,
            )


async def stored(pool: Any) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM inbox_items"))


async def deliver(
    http: httpx.AsyncClient, remote: RemoteServer, keys: RemoteKeys, path: str = "/inbox"
) -> httpx.Response:
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base_url}/activities/like-1",
        "type": "Like",
        "actor": f"{remote.base_url}/users/mallory",
        "object": "https://fedi.test/users/alice/statuses/1",
    }
    auth = HttpSignatureAuth(f"{remote.base_url}/users/mallory#main-key", keys.private_pem)
    return await http.post(
        path,
        content=orjson.dumps(activity),
        headers={"Content-Type": "application/activity+json"},
        auth=auth,
    )


@on_loop
async def test_over_the_limit_every_inbox_answers_503_and_stores_nothing(
    http: httpx.AsyncClient, node: Node, remote: RemoteServer, keys: RemoteKeys
) -> None:
    await create_user(node.pool, node.urls, node.settings.domain, "alice")
    await waiting(node.pool, LIMIT + 1)
    for path in ("/inbox", "/users/alice/inbox"):
        response = await deliver(http, remote, keys, path)
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "60"
        assert "try again later" in response.json()["error"]
    assert await stored(node.pool) == LIMIT + 1


@on_loop
async def test_at_the_limit_activities_are_still_taken(
    http: httpx.AsyncClient, node: Node, remote: RemoteServer, keys: RemoteKeys
) -> None:
    await waiting(node.pool, LIMIT)
    response = await deliver(http, remote, keys)
    assert response.status_code == 202, response.text
    assert await stored(node.pool) == LIMIT + 1


@on_loop
async def test_only_waiting_items_count(
    http: httpx.AsyncClient, node: Node, remote: RemoteServer, keys: RemoteKeys
) -> None:
    await waiting(node.pool, 5, "done")
    await waiting(node.pool, 5, "refused")
    response = await deliver(http, remote, keys)
    assert response.status_code == 202, response.text


@on_loop
async def test_the_backlog_is_counted_once_per_window(node: Node) -> None:
    now = [100.0]
    gate = BacklogGate(node.pool, LIMIT, clock=lambda: now[0])
    assert not await gate.overloaded()
    await waiting(node.pool, LIMIT + 1)
    now[0] += CACHE_SECONDS / 2
    # Within the window the remembered count stands: no request counts the table.
    assert await gate.backlog() == 0
    assert not await gate.overloaded()
    now[0] += CACHE_SECONDS
    assert await gate.overloaded()


@on_loop
async def test_counting_stops_one_past_the_limit(node: Node) -> None:
    await waiting(node.pool, 10 * LIMIT)
    gate = BacklogGate(node.pool, LIMIT)
    assert await gate.backlog() == LIMIT + 1


def test_the_limit_is_a_setting_with_a_default() -> None:
    env = {"FEDI_DOMAIN": "fedi.test"}
    assert load_settings(env).inbox_max_backlog == 50_000
    assert load_settings({**env, "FEDI_INBOX_MAX_BACKLOG": "10"}).inbox_max_backlog == 10
    for bad in ("0", "-1", "many", "1e3"):
        with pytest.raises(ConfigError, match="FEDI_INBOX_MAX_BACKLOG"):
            load_settings({**env, "FEDI_INBOX_MAX_BACKLOG": bad})
