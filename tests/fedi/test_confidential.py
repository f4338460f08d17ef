"""The outbound chokepoint: nothing naming a confidential object is queued or leaves the node."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from activitypub.client import OutboundRefused
from fedi.app import Node
from fedi.config import Settings
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.domain import groups
from fedi.domain.accounts import create_user
from fedi.domain.confidential import (
    ConfidentialLeak,
    ConfidentialRegistry,
    candidates,
    local_uris,
    refuse_confidential,
)
from fedi.domain.groups import NewGroup
from fedi.domain.posts import Draft
from fedi.urls import Urls
from outbox.publish import send
from tests.conftest import make_settings
from tests.support.actors import remote_actor
from tests.support.remote import RemoteServer, running

# Async tests share the session loop of the database fixtures; the pure functions need none.
async_test = pytest.mark.asyncio(loop_scope="session")

BASE = "https://fedi.test"
URLS = Urls(BASE)
GROUP = f"{BASE}/groups/secret"


# --- finding this node's URIs in a text -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://fedi.test/groups/secret and https://other.example/x", {GROUP}),
        # JSON that escapes slashes, with HTML inside whose quotes are escaped too.
        (
            json.dumps({"id": f"{GROUP}/members"}).replace("/", "\\/"),
            {f"{GROUP}/members"},
        ),
        (
            '{"content":"<a href=\\"https:\\/\\/fedi.test\\/groups\\/secret\\">x<\\/a>"}',
            {GROUP},
        ),
        # An HTML entity right after the URI, as a quoted link in rendered text has.
        ("<p>&quot;https://fedi.test/groups/secret&quot;</p>", {GROUP}),
        # Fragments and queries stay on the URI; candidates() takes them off.
        ("https://fedi.test/groups/secret#main-key", {f"{GROUP}#main-key"}),
        ("https://fedi.test/groups/secret/outbox?page=true", {f"{GROUP}/outbox?page=true"}),
        # Scheme and host in capitals are the same URI.
        ("HTTPS://FEDI.TEST/groups/secret", {GROUP}),
        ("nothing of ours: https://fedi.example/groups/secret", set()),
    ],
)
def test_local_uris_finds_this_nodes_uris_however_written(text: str, expected: set[str]) -> None:
    assert local_uris(text, BASE) == expected


def test_local_uris_finds_a_percent_encoded_uri_in_a_query() -> None:
    url = "https://remote.example/share?uri=https%3A%2F%2Ffedi.test%2Fgroups%2Fsecret&x=1"
    assert GROUP in local_uris(url, BASE)


def test_candidates_are_the_uri_and_its_ancestors_without_fragment_or_query() -> None:
    assert list(candidates(f"{GROUP}/spaces/a?page=2#top", BASE)) == [
        f"{GROUP}/spaces/a",
        f"{GROUP}/spaces",
        GROUP,
        f"{BASE}/groups",
    ]
    # A trailing slash, or punctuation around a URI in text, is not part of it.
    assert next(candidates(f"{GROUP}/", BASE)) == GROUP
    assert next(candidates(f"{GROUP}).", BASE)) == GROUP
    assert list(candidates(BASE + "/", BASE)) == []


def registry_of(*uris: str) -> ConfidentialRegistry:
    registry = ConfidentialRegistry(None, BASE)
    registry.add(uris)
    return registry


@pytest.mark.parametrize(
    "url",
    [
        GROUP,
        f"{GROUP}/members",
        f"{GROUP}/spaces/general?page=1",
        f"{GROUP}/outbox",
        f"{GROUP}#main-key",
        f"https://remote.example/inbox?about={GROUP}",
    ],
)
def test_the_registry_refuses_a_confidential_group_and_everything_under_it(url: str) -> None:
    registry = registry_of(GROUP)
    assert registry.refusal(url, None) is not None
    assert registry.refusal("https://remote.example/inbox", url.encode()) is not None


@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/groups/secretary",
        f"{BASE}/groups/secretary/members",
        f"{BASE}/groups/secret-plans",
        f"{BASE}/groups",
        "https://fedi.test.example/groups/secret",
        "https://remote.example/groups/secret",
    ],
)
def test_the_registry_does_not_refuse_what_only_shares_a_prefix(url: str) -> None:
    registry = registry_of(GROUP)
    assert registry.refusal(url, None) is None
    assert registry.refusal("https://remote.example/inbox", url.encode()) is None


# --- the database check, in the transaction that queues ---------------------------------------


async def person(pool: Any, name: str) -> Actor:
    return (await create_user(pool, URLS, "fedi.test", name)).actor


async def make_group(conn: Any, owner: Actor, name: str, visibility: str) -> Group:
    group, _ = await groups.create_group(
        conn, URLS, "fedi.test", owner, NewGroup(name, visibility=visibility)
    )
    return group


async def insert_post(conn: Any, author: Actor, visibility: str, **values: Any) -> str:
    post_id = await posts_db.next_id(conn)
    post = await posts_db.insert(
        conn,
        id=post_id,
        uri=f"{author.uri}/statuses/{post_id}",
        actor_id=author.id,
        local=True,
        visibility=visibility,
        content=visibility,
        published_at=datetime.now(UTC),
        **values,
    )
    return post.uri


@async_test
async def test_refuse_confidential_sees_what_its_own_transaction_just_wrote(pool: Any) -> None:
    alice = await person(pool, "alice")
    async with pool.acquire() as conn, conn.transaction():
        secret = await make_group(conn, alice, "secret", "confidential")
        public = await make_group(conn, alice, "secretary", "public")
        post = await insert_post(conn, alice, "confidential", group_id=secret.id)
        local = await insert_post(conn, alice, "local")
        ordinary = await insert_post(conn, alice, "public", group_id=public.id)
        for named in (
            secret.uri,
            f"{secret.uri}/members",
            f"{secret.uri}/spaces/general",
            # The group's profile page names it as well as its id does.
            f"{BASE}/@secret",
            post,
            f"{post}/activity",
            local,
        ):
            with pytest.raises(ConfidentialLeak):
                await refuse_confidential(conn, {"object": {"id": named}}, BASE)
        for named in (public.uri, f"{public.uri}/members", f"{BASE}/@secretary", ordinary):
            await refuse_confidential(conn, {"object": named}, BASE)


@async_test
async def test_refuse_confidential_sees_a_confidential_space_of_a_public_group(pool: Any) -> None:
    alice = await person(pool, "alice")
    async with pool.acquire() as conn, conn.transaction():
        group = await make_group(conn, alice, "open", "public")
        space = await groups.create_space(
            conn, group, alice, slug="hidden", name="Hidden", visibility="confidential"
        )
        with pytest.raises(ConfidentialLeak):
            await refuse_confidential(conn, f"<a href='{space.uri}'>x</a>", BASE)
        await refuse_confidential(conn, f"<a href='{group.uri}/spaces/general'>x</a>", BASE)


async def rows(pool: Any) -> tuple[int, int]:
    async with pool.acquire() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM activities"),
            await conn.fetchval("SELECT count(*) FROM deliveries"),
        )


@async_test
async def test_send_refuses_to_queue_an_activity_naming_a_confidential_object(
    pool: Any,
) -> None:
    alice = await person(pool, "alice")
    async with pool.acquire() as conn, conn.transaction():
        secret = await make_group(conn, alice, "secret", "confidential")
        post = await insert_post(conn, alice, "confidential", group_id=secret.id)
    inboxes = ["https://remote.example/inbox"]
    for named in (post, f"{secret.uri}/members"):
        document = {
            "id": f"{alice.uri}#likes/{len(named)}",
            "type": "Like",
            "actor": alice.uri,
            "object": named,
        }
        with pytest.raises(ConfidentialLeak):
            async with pool.acquire() as conn, conn.transaction():
                await send(conn, alice, document, inboxes)
        assert await rows(pool) == (0, 0)
    ordinary = {"id": f"{alice.uri}#likes/1", "type": "Like", "actor": alice.uri, "object": "x"}
    async with pool.acquire() as conn, conn.transaction():
        await send(conn, alice, ordinary, inboxes)
    assert await rows(pool) == (1, 1)


@async_test
async def test_a_public_post_linking_a_confidential_group_is_not_published(node: Node) -> None:
    pool = node.pool
    alice = await person(pool, "alice")
    zoe = await remote_actor(pool, "zoe")
    async with pool.acquire() as conn, conn.transaction():
        secret = await make_group(conn, alice, "secret", "confidential")
        await follows_db.upsert(conn, "urn:follow:1", zoe.id, alice.id, accepted=True)
    with pytest.raises(ConfidentialLeak):
        await node.publisher.post(alice, Draft(f"look at {secret.uri}/members"))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM posts") == 0
    assert await rows(pool) == (0, 0)
    await node.publisher.post(alice, Draft(f"look at {BASE}/groups/secretary"))
    assert await rows(pool) == (1, 1)


# --- the registry: loaded at start, told by NOTIFY, reloaded ---------------------------------


async def eventually(check: Any, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not within the wait")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def started(pool: Any) -> AsyncIterator[ConfidentialRegistry]:
    registry = ConfidentialRegistry(pool, BASE, reload_seconds=3600)
    await registry.start()
    try:
        await asyncio.wait_for(registry.listening.wait(), 5)
        yield registry
    finally:
        await registry.stop()


@async_test
async def test_the_registry_loads_at_start_and_hears_what_becomes_confidential(
    pool: Any,
) -> None:
    alice = await person(pool, "alice")
    async with pool.acquire() as conn, conn.transaction():
        before = await make_group(conn, alice, "before", "confidential")
        public = await make_group(conn, alice, "open", "public")
    async with started(pool) as registry:
        assert before.uri in registry
        assert f"{BASE}/@before" in registry
        assert public.uri not in registry
        # Each committed elsewhere, each heard within a short wait.
        async with pool.acquire() as conn, conn.transaction():
            group = await make_group(conn, alice, "later", "confidential")
        await eventually(lambda: group.uri in registry and f"{BASE}/@later" in registry)
        assert f"{group.uri}/spaces/general" in registry
        async with pool.acquire() as conn, conn.transaction():
            space = await groups.create_space(
                conn, public, alice, slug="hidden", name="H", visibility="confidential"
            )
        await eventually(lambda: space.uri in registry)
        async with pool.acquire() as conn, conn.transaction():
            local = await insert_post(conn, alice, "local")
            secret = await insert_post(conn, alice, "confidential", group_id=before.id)
        await eventually(lambda: local in registry and secret in registry)
        assert registry.refusal("https://remote.example/inbox", f'"{local}"'.encode()) is not None
        # What was rolled back was never confidential: nothing is heard of it.
        async with pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            dropped = await insert_post(conn, alice, "local")
            await transaction.rollback()
        # A group opened to everyone: a notice makes every process reload at once, so that
        # the group federates again; its spaces and old posts stay confidential.
        async with pool.acquire() as conn, conn.transaction():
            await groups.set_visibility(conn, group, alice, "public")
        await eventually(lambda: group.uri not in registry)
        assert f"{BASE}/@later" not in registry
        assert f"{group.uri}/spaces/general" in registry
        assert secret in registry and local in registry
        assert dropped not in registry
        # So does a space opened to the group's members.
        async with pool.acquire() as conn, conn.transaction():
            await groups.update_space(conn, public, alice, space, visibility="members")
        await eventually(lambda: space.uri not in registry)


class HeldPool:
    """The real pool, but the next reload's query can be held after it has run: its snapshot
    is taken, and what commits meanwhile is only heard."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.fetches = 0
        self.hold: asyncio.Event | None = None
        self.queried = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator["HeldConnection"]:
        async with self.pool.acquire() as conn:
            yield HeldConnection(conn, self)


class HeldConnection:
    def __init__(self, conn: Any, owner: HeldPool) -> None:
        self.conn, self.owner = conn, owner

    async def fetch(self, *args: Any) -> Any:
        result = await self.conn.fetch(*args)
        self.owner.fetches += 1
        hold, self.owner.hold = self.owner.hold, None
        if hold is not None:
            self.owner.queried.set()
            await hold.wait()
        return result


@async_test
async def test_two_reloads_at_once_do_not_forget_what_either_heard(pool: Any) -> None:
    alice = await person(pool, "alice")
    held = HeldPool(pool)
    async with started(held) as registry:
        await eventually(lambda: held.fetches >= 2)  # the load at start, the one on LISTEN
        release = asyncio.Event()
        held.hold = release
        slow = asyncio.create_task(registry.reload())  # its snapshot taken, then held
        await asyncio.wait_for(held.queried.wait(), 5)
        async with pool.acquire() as conn, conn.transaction():
            post = await insert_post(conn, alice, "local")
        await eventually(lambda: post in registry)
        await registry.reload()  # another reload, begun and done meanwhile
        release.set()
        await slow
        assert post in registry


# --- the outbound guard of a running node -----------------------------------------------------


@pytest.fixture
def settings() -> Settings:
    return make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        server.documents["/inbox"] = {}
        yield server


@async_test
async def test_the_outbound_guard_refuses_requests_naming_confidential_objects(
    node: Node, remote: RemoteServer
) -> None:
    remote.requests.clear()
    alice = await person(node.pool, "alice")
    async with node.pool.acquire() as conn, conn.transaction():
        secret = await make_group(conn, alice, "secret", "confidential")
        post = await insert_post(conn, alice, "confidential", group_id=secret.id)
    await eventually(lambda: secret.uri in node.confidential and post in node.confidential)
    inbox = f"{remote.base_url}/inbox"
    for named in (post, f"{secret.uri}/members", f"{BASE}/@secret"):
        body = json.dumps({"type": "Announce", "object": named}).encode()
        with pytest.raises(OutboundRefused):
            await node.client.post(inbox, body, auth=None)
    with pytest.raises(OutboundRefused):
        await node.client.get_object(f"{remote.base_url}/users/zoe?about={secret.uri}")
    assert remote.requests == []
    # An ordinary request goes through, and so does one naming a group that only shares the
    # secret one's name as a prefix.
    ordinary = json.dumps({"type": "Note", "id": f"{BASE}/groups/secretary"}).encode()
    response = await node.client.post(inbox, ordinary, auth=None)
    assert response.status_code == 200
    assert [r.body for r in remote.requests] == [ordinary]
