"""Account moderation beyond the admin API: a suspended remote account is refused at the inbox,
a silenced one's follows wait, the streams follow the timelines, and the `fedi account` command."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from activitypub.signatures import HttpSignatureAuth
from fedi.app import Node, create_app, running_node
from fedi.db import account_moderation as moderation_db
from fedi.db import follows as follows_db
from fedi.db import stream_audience
from fedi.db.database import create_pool
from fedi.db.migrate import migrate
from fedi.domain.account_moderation import AccountAction
from fedi.domain.accounts import create_user
from fedi.urls import Urls
from tests.conftest import DatabaseFactory, make_settings
from tests.federation.nodes import NodeProcess
from tests.fedi.api.test_timelines import stored_post
from tests.support.actors import remote_actor
from tests.support.inbox import receive
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running

pytestmark = pytest.mark.asyncio(loop_scope="session")


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
    async with running_node(make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1"), pool) as running_:
        yield running_


def like(remote: RemoteServer, n: int) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base_url}/activities/like-{n}",
        "type": "Like",
        "actor": f"{remote.base_url}/users/mallory",
        "object": "https://fedi.test/users/alice/statuses/1",
    }


async def deliver(
    node: Node, remote: RemoteServer, keys: RemoteKeys, activity: dict[str, Any]
) -> httpx.Response:
    auth = HttpSignatureAuth(f"{remote.base_url}/users/mallory#main-key", keys.private_pem)
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=node.settings.base_url) as http:
        return await http.post(
            "/inbox",
            content=orjson.dumps(activity),
            headers={"Content-Type": "application/activity+json"},
            auth=auth,
        )


async def inbox_rows(node: Node) -> list[tuple[str, str]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch("SELECT activity_uri, state FROM inbox_items ORDER BY id")
    return [(row["activity_uri"], row["state"]) for row in rows]


async def test_a_suspended_remote_account_is_refused_at_the_inbox(
    node: Node, remote: RemoteServer, keys: RemoteKeys
) -> None:
    first = await deliver(node, remote, keys, like(remote, 1))
    assert first.status_code == 202, first.text
    mallory = await node.resolver.actor_by_uri(f"{remote.base_url}/users/mallory")
    await node.publisher.moderate_account(None, mallory, AccountAction("suspend"))
    # What it sent before and was still waiting is refused with the suspension.
    assert await inbox_rows(node) == [(like(remote, 1)["id"], "refused")]

    refused = await deliver(node, remote, keys, like(remote, 2))
    assert refused.status_code == 403
    assert refused.json() == {"error": "your account is suspended on this node"}
    assert len(await inbox_rows(node)) == 1

    await node.publisher.moderate_account(None, mallory, AccountAction("unsuspend"))
    assert (await deliver(node, remote, keys, like(remote, 3))).status_code == 202


async def test_a_silenced_remote_accounts_follow_waits_for_approval(node: Node) -> None:
    alice = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    zoe = await remote_actor(node.pool, "zoe")
    await node.publisher.moderate_account(None, zoe, AccountAction("silence"))
    activity = {
        "id": f"{zoe.uri}#follows/1",
        "type": "Follow",
        "actor": zoe.uri,
        "object": alice.uri,
    }
    item = await receive(node, zoe, activity)
    assert item.state == "done", item.last_error
    async with node.pool.acquire() as conn:
        follow = await follows_db.between(conn, zoe.id, alice.id)
        kinds = await conn.fetch("SELECT notification_type FROM notifications")
    assert follow is not None and not follow.accepted
    assert [row["notification_type"] for row in kinds] == ["follow_request"]


async def test_the_streams_leave_out_what_the_timelines_leave_out(node: Node) -> None:
    alice = (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor
    bob = (await create_user(node.pool, node.urls, node.settings.domain, "bob")).actor
    spammer = await remote_actor(node.pool, "spammer", "spam.example")
    loud = await remote_actor(node.pool, "loud", "loud.example")
    post = await stored_post(node, loud, "shouting")
    async with node.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO user_domain_blocks (actor_id, domain) VALUES ($1, 'spam.example')",
            alice.id,
        )
        viewers = [alice.id, bob.id]
        assert await stream_audience.hiding(conn, viewers, [spammer.id]) == {alice.id}
        assert await stream_audience.hiding(conn, viewers, [loud.id]) == set()
        assert not (await stream_audience.post_facts(conn, post.id)).limited_author
        await moderation_db.set_state(conn, loud.id, "silenced", True)
        assert (await stream_audience.post_facts(conn, post.id)).limited_author
        await moderation_db.set_state(conn, loud.id, "suspended", True)
        assert await stream_audience.hiding(conn, viewers, [loud.id]) == set(viewers)


async def test_the_account_command_suspends_and_unsuspends(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    dsn = await databases.create("account_cli")
    pool = await create_pool(dsn, max_size=2)
    cli = NodeProcess("cli", tmp_path, database_url=dsn)
    try:
        await migrate(pool)
        urls = Urls.for_settings(make_settings(FEDI_DOMAIN=cli.domain, FEDI_SCHEME="http"))
        alice = (await create_user(pool, urls, cli.domain, "alice")).actor
        mallory = await remote_actor(pool, "mallory")

        done = cli.cli("account", "suspend", "@alice", "--reason", "spam wave")
        assert done.returncode == 0, done.stderr
        assert f"suspended @alice@{cli.domain}" in done.stdout
        again = cli.cli("account", "suspend", "alice")
        assert again.returncode == 0, again.stderr
        assert "already suspended" in again.stdout
        remote_done = cli.cli("account", "suspend", "mallory@remote.example")
        assert remote_done.returncode == 0, remote_done.stderr
        unknown = cli.cli("account", "suspend", "nobody")
        assert unknown.returncode == 1
        assert "no account 'nobody'" in unknown.stderr
        async with pool.acquire() as conn:
            assert (await moderation_db.standing(conn, alice.id)).suspended
            assert (await moderation_db.standing(conn, mallory.id)).suspended
            audit = await conn.fetch("SELECT actor_id, action, target, reason FROM audit_log")
        assert [tuple(row) for row in audit] == [
            (None, "account.suspend", f"alice@{cli.domain}", "spam wave"),
            (None, "account.suspend", "mallory@remote.example", ""),
        ]

        lifted = cli.cli("account", "unsuspend", "alice")
        assert lifted.returncode == 0, lifted.stderr
        async with pool.acquire() as conn:
            assert not (await moderation_db.standing(conn, alice.id)).suspended
    finally:
        await pool.close()
