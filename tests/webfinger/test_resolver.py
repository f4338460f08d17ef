"""Resolving remote actors over real HTTP: by URL, by acct:, with caching and origin checks."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from fedi.app import Node, running_node
from fedi.db import actors as actors_db
from tests.conftest import make_settings
from tests.support.remote import RemoteServer, new_keys, running
from webfinger.resolver import ResolveError

pytestmark = pytest.mark.asyncio(loop_scope="session")

KEYS = new_keys()


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session")
async def resolving(pool: Any, remote: RemoteServer) -> AsyncIterator[Node]:
    remote.documents.clear()
    remote.requests.clear()
    async with running_node(make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1"), pool) as node:
        yield node


async def test_by_acct_uses_webfinger_then_caches(resolving: Node, remote: RemoteServer) -> None:
    remote.add_actor("zoe", KEYS.public_pem, summary="<p>Journalist</p>")
    actor = await resolving.resolver.actor_by_acct(f"@zoe@{remote.domain}")
    assert actor.uri == f"{remote.base_url}/users/zoe"
    assert actor.summary == "<p>Journalist</p>"
    assert actor.shared_inbox_url == f"{remote.base_url}/inbox"
    assert not actor.local
    again = await resolving.resolver.actor_by_acct(f"zoe@{remote.domain}")
    assert again.id == actor.id
    assert remote.hits("/.well-known/webfinger") == 1
    assert remote.hits("/users/zoe") == 1


async def test_fetches_are_signed_by_the_instance_actor(
    resolving: Node, remote: RemoteServer
) -> None:
    remote.add_actor("zoe", KEYS.public_pem)
    await resolving.resolver.actor_by_uri(f"{remote.base_url}/users/zoe")
    fetch = next(r for r in remote.requests if r.path == "/users/zoe")
    assert 'keyId="https://fedi.test/actor#main-key"' in fetch.headers["signature"]


async def test_document_with_another_id_is_refused(resolving: Node, remote: RemoteServer) -> None:
    doc = remote.add_actor("zoe", KEYS.public_pem)
    remote.documents["/users/impostor"] = doc
    with pytest.raises(ResolveError):
        await resolving.resolver.actor_by_uri(f"{remote.base_url}/users/impostor")
    async with resolving.pool.acquire() as conn:
        assert await actors_db.by_uri(conn, f"{remote.base_url}/users/impostor") is None


async def test_key_owned_by_someone_else_is_refused(resolving: Node, remote: RemoteServer) -> None:
    remote.add_actor("zoe", KEYS.public_pem)
    doc = remote.documents["/users/zoe"]
    doc["publicKey"] = {**doc["publicKey"], "owner": "https://elsewhere.example/users/x"}
    with pytest.raises(ResolveError, match="owned by"):
        await resolving.resolver.actor_by_uri(doc["id"])


async def test_key_on_another_host_is_refused(resolving: Node, remote: RemoteServer) -> None:
    remote.add_actor("zoe", KEYS.public_pem)
    doc = remote.documents["/users/zoe"]
    doc["publicKey"] = {**doc["publicKey"], "id": "https://elsewhere.example/keys/1"}
    with pytest.raises(ResolveError, match="another host"):
        await resolving.resolver.actor_by_uri(doc["id"])


async def test_not_an_actor_is_refused(resolving: Node, remote: RemoteServer) -> None:
    remote.documents["/notes/1"] = {"id": f"{remote.base_url}/notes/1", "type": "Note"}
    with pytest.raises(ResolveError, match="not an actor"):
        await resolving.resolver.actor_by_uri(f"{remote.base_url}/notes/1")


async def test_unknown_handle_is_a_clear_error(resolving: Node, remote: RemoteServer) -> None:
    with pytest.raises(ResolveError, match="WebFinger for nobody@"):
        await resolving.resolver.actor_by_acct(f"nobody@{remote.domain}")


async def test_local_actors_never_go_to_the_network(resolving: Node) -> None:
    actor = await resolving.resolver.actor_by_uri("https://fedi.test/actor")
    assert actor.local
    with pytest.raises(ResolveError):
        await resolving.resolver.actor_by_uri("https://fedi.test/users/nobody")
