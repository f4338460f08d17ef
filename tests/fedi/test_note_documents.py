"""Local posts fetched by remotes: visibility decides who may read them."""

from collections.abc import Iterator

import httpx
import pytest

from activitypub.signatures import HttpSignatureAuth
from fedi.app import Node, create_app, running_node
from fedi.db import follows as follows_db
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from tests.conftest import make_settings
from tests.support.remote import RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")
AS_JSON = {"Accept": "application/activity+json"}
KEYS = new_keys()


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        server.add_actor("friend", KEYS.public_pem)
        server.add_actor("stranger", KEYS.public_pem)
        yield server


def signed(remote: RemoteServer, name: str) -> HttpSignatureAuth:
    return HttpSignatureAuth(f"{remote.base_url}/users/{name}#main-key", KEYS.private_pem)


async def test_public_note_and_its_page(node: Node, client: httpx.AsyncClient) -> None:
    author = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    post = await node.publisher.post(author, Draft("Hello <world> #tag", language="en"))
    note = (await client.get(post.uri.removeprefix("https://fedi.test"), headers=AS_JSON)).json()
    assert note["id"] == post.uri and note["type"] == "Note"
    assert note["attributedTo"] == author.uri
    assert note["contentMap"] == {"en": post.content}
    assert note["tag"] == [
        {"type": "Hashtag", "href": "https://fedi.test/tags/tag", "name": "#tag"}
    ]
    activity = (await client.get(f"{post.uri}/activity", headers=AS_JSON)).json()
    assert activity["type"] == "Create" and activity["object"]["id"] == post.uri
    page = await client.get(f"/@alice/{post.id}")
    assert page.status_code == 200 and "Hello &lt;world&gt;" in page.text


async def test_followers_only_note_needs_a_signed_fetch_from_a_follower(
    pool: object, remote: RemoteServer
) -> None:
    settings = make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")
    async with running_node(settings, pool) as node:
        author = (await create_user(node.pool, node.urls, settings.domain, "alice")).actor
        friend = await node.resolver.actor_by_uri(f"{remote.base_url}/users/friend")
        async with node.pool.acquire() as conn:
            await follows_db.upsert(conn, f"{friend.uri}#f", friend.id, author.id, accepted=True)
        post = await node.publisher.post(author, Draft("friends only", visibility="followers"))
        local = await node.publisher.post(author, Draft("never leaves", visibility="local"))
        transport = httpx.ASGITransport(app=create_app(node))
        async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http:
            path = post.uri.removeprefix(settings.base_url)
            assert (await http.get(path, headers=AS_JSON)).status_code == 404
            stranger = await http.get(path, headers=AS_JSON, auth=signed(remote, "stranger"))
            assert stranger.status_code == 404
            ok = await http.get(path, headers=AS_JSON, auth=signed(remote, "friend"))
            assert ok.status_code == 200 and ok.json()["id"] == post.uri
            assert (await http.get(f"/@alice/{post.id}")).status_code == 404
            local_path = local.uri.removeprefix(settings.base_url)
            hidden = await http.get(local_path, headers=AS_JSON, auth=signed(remote, "friend"))
            assert hidden.status_code == 404


async def test_unknown_or_malformed_ids_are_404(client: httpx.AsyncClient) -> None:
    for path in ("/users/alice/statuses/99", "/users/alice/statuses/abc", "/users/x/statuses/1"):
        assert (await client.get(path, headers=AS_JSON)).status_code == 404
