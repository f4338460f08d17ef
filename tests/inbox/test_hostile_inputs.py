"""Hostile inputs to the inbox: each one is refused, and refused without changing the database.

Every test snapshots every table (row count and a checksum of its rows) before the hostile
request and again after the inbox worker has run. What may differ is named in each test, and
is never more than:
- the inbox_items row of an activity the inbox legitimately stores with a 202 and the worker
  then refuses (the row ends `refused`, with the reason);
- the actors row of a sender whose key was fetched to check the signature (a new row), or
  refetched after a failed signature (only its fetch timestamps; see tests/support/snapshot.py).

Requests go through the whole application (create_app), so whatever gates it wires in front of
the inbox are the ones tested. Remote actors live on a real HTTP server on loopback that records
every request; every other outbound request is recorded by the node's guard and refused.
"""

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from activitypub.signatures import sign_headers
from activitypub.vocab import AS_CONTEXT, PUBLIC, parse_actor
from fedi.app import Node, create_app, running_node
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.accounts import create_user
from fedi.domain.policy import block_domain
from fedi.domain.posts import Draft
from inbox.routes import MAX_BODY_BYTES
from tests.conftest import TEST_DOMAIN, loopback_only, make_settings
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running
from tests.support.snapshot import Snapshot, added_rows, changed, snapshot
from webfinger.resolver import actor_columns

pytestmark = pytest.mark.asyncio(loop_scope="session")

NAMES = ("mallory", "zoe", "trent")


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def keys() -> dict[str, RemoteKeys]:
    return {name: new_keys() for name in NAMES}


def serve_actors(remote: RemoteServer, keys: dict[str, RemoteKeys]) -> None:
    remote.documents.clear()
    remote.requests.clear()
    for name in NAMES:
        remote.add_actor(name, keys[name].public_pem)


@pytest.fixture
def outbound() -> list[str]:
    """Every URL the node asked to fetch or post to, in order."""
    return []


@pytest_asyncio.fixture(loop_scope="session")
async def node(
    pool: Any, remote: RemoteServer, keys: dict[str, RemoteKeys], outbound: list[str]
) -> AsyncIterator[Node]:
    serve_actors(remote, keys)

    def guard(url: str, body: bytes | None) -> None:
        outbound.append(url)
        loopback_only(url, body)

    settings = make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")
    async with running_node(settings, pool, outbound_guard=guard) as running_:
        yield running_


def app_client(node: Node) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(node))
    return httpx.AsyncClient(transport=transport, base_url=node.settings.base_url)


@pytest_asyncio.fixture(loop_scope="session")
async def http(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(node) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def alice(node: Node) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor


@pytest_asyncio.fixture(loop_scope="session")
async def alice_post(node: Node, alice: Actor) -> Post:
    return await node.publisher.post(alice, Draft("a post of alice's"))


# The two remote actors most tests need, cached the way a first signed request would cache them.
@pytest_asyncio.fixture(loop_scope="session")
async def mallory(node: Node, remote: RemoteServer) -> Actor:
    return await node.resolver.actor_by_uri(f"{remote.base_url}/users/mallory")


@pytest_asyncio.fixture(loop_scope="session")
async def zoe(node: Node, remote: RemoteServer) -> Actor:
    return await node.resolver.actor_by_uri(f"{remote.base_url}/users/zoe")


@dataclass(frozen=True)
class Signer:
    key_id: str
    private_pem: str


def key_of(remote: RemoteServer, keys: dict[str, RemoteKeys], name: str) -> Signer:
    return Signer(f"{remote.base_url}/users/{name}#main-key", keys[name].private_pem)


def signed_headers(
    body: bytes, signer: Signer, *, path: str = "/inbox", now: float | None = None
) -> dict[str, str]:
    headers = {"Host": TEST_DOMAIN, "Content-Type": "application/activity+json"}
    headers.update(
        sign_headers(
            method="POST",
            path=path,
            headers=headers,
            body=body,
            key_id=signer.key_id,
            private_key_pem=signer.private_pem,
            now=now,
        )
    )
    return headers


async def send(
    http: httpx.AsyncClient,
    activity: dict[str, Any] | bytes,
    signer: Signer,
    *,
    path: str = "/inbox",
    now: float | None = None,
) -> httpx.Response:
    body = activity if isinstance(activity, bytes) else orjson.dumps(activity)
    return await http.post(path, content=body, headers=signed_headers(body, signer, now=now))


async def refused_by_worker(node: Node, activity_id: str) -> str:
    """Run the inbox worker; the activity's item must end refused. Returns the reason."""
    await node.inbox_worker().run_once()
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbox_items WHERE activity_uri = $1", activity_id
        )
    assert row is not None, f"{activity_id} was not stored"
    assert row["state"] == "refused", dict(row)
    return str(row["last_error"])


async def only_inbox_item_added(node: Node, before: Snapshot) -> None:
    """The refused activity's own inbox_items row is the one change."""
    after = await snapshot(node.pool)
    assert changed(before, after) == {"inbox_items"}
    assert added_rows(before, after, "inbox_items") == 1


async def unchanged(node: Node, before: Snapshot) -> None:
    await node.inbox_worker().run_once()
    assert changed(before, await snapshot(node.pool)) == set()


def note(author: str, number: int, text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{author}/statuses/{number}",
        "type": "Note",
        "attributedTo": author,
        "content": f"<p>{text}</p>",
        "to": [PUBLIC],
        "cc": [f"{author}/followers"],
        "published": "2026-11-20T10:00:00Z",
        **extra,
    }


def activity(kind: str, actor: str, label: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{actor}/activities/{label}",
        "type": kind,
        "actor": actor,
        "object": obj,
        **extra,
    }


async def follow(node: Node, follower: Actor, followee: Actor, *, accepted: bool = True) -> str:
    uri = f"{follower.uri}#follows/{followee.id}"
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, uri, follower.id, followee.id, accepted=accepted)
    return uri


async def zoe_posts(
    node: Node, http: httpx.AsyncClient, remote: RemoteServer, keys: dict[str, RemoteKeys]
) -> dict[str, Any]:
    """A post of zoe's, kept here because alice follows her; sent and processed for real."""
    zoe_uri = f"{remote.base_url}/users/zoe"
    obj = note(zoe_uri, 1, "zoe's own words")
    create = activity("Create", zoe_uri, "create-1", obj, to=obj["to"], cc=obj["cc"])
    response = await send(http, create, key_of(remote, keys, "zoe"))
    assert response.status_code == 202, response.text
    await node.inbox_worker().run_once()
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT content FROM posts WHERE uri = $1", obj["id"])
    return obj


# 1. Forged actor -------------------------------------------------------------------------------


async def test_forged_actor_is_401_and_only_the_real_signer_is_cached(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    zoe: Actor,
    outbound: list[str],
) -> None:
    mallory_key = key_of(remote, keys, "mallory")
    forged = activity("Create", zoe.uri, "forged", note(zoe.uri, 2, "words put in zoe's mouth"))
    before = await snapshot(node.pool)
    fetched = len(outbound)
    response = await send(http, forged, mallory_key)
    assert response.status_code == 401
    assert "activity's actor is" in response.json()["error"]
    await node.inbox_worker().run_once()
    after = await snapshot(node.pool)
    # Allowed: fetching the signing key cached its real owner, mallory; nothing else changed.
    assert changed(before, after) == {"actors"}
    assert added_rows(before, after, "actors") == 1
    async with node.pool.acquire() as conn:
        assert await actors_db.by_key_id(conn, mallory_key.key_id) is not None
    assert outbound[fetched:] == [f"{remote.base_url}/users/mallory"]

    # Now that mallory is cached, the same forgery changes nothing at all, also when it claims an
    # actor on a host of its own (which is never fetched).
    victim = "https://victim.example/users/v"
    before = await snapshot(node.pool)
    for claimed, label in ((zoe.uri, "forged-again"), (victim, "forged-elsewhere")):
        again = activity("Create", claimed, label, note(claimed, 3))
        response = await send(http, again, mallory_key)
        assert response.status_code == 401, claimed
    await unchanged(node, before)
    assert not any("victim.example" in url for url in outbound)


# 2. Object on another host than the actor ------------------------------------------------------

VICTIM_NOTE = "https://victim.example/notes/1"


def foreign_objects(mallory: str, local_post: str) -> dict[str, dict[str, Any]]:
    victim_note = {**note(mallory, 9), "id": VICTIM_NOTE}
    return {
        "create-embedded": activity("Create", mallory, "c1", victim_note),
        "create-by-reference": activity("Create", mallory, "c2", VICTIM_NOTE),
        "update": activity("Update", mallory, "u1", victim_note),
        "delete-remote": activity("Delete", mallory, "d1", VICTIM_NOTE),
        "delete-local": activity("Delete", mallory, "d2", local_post),
        "delete-local-embedded": activity("Delete", mallory, "d3", {"id": local_post}),
    }


@pytest.mark.parametrize("case", list(foreign_objects("m", "p")))
async def test_object_on_another_host_than_its_actor_is_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    alice_post: Post,
    outbound: list[str],
    case: str,
) -> None:
    hostile = foreign_objects(mallory.uri, alice_post.uri)[case]
    before = await snapshot(node.pool)
    fetched = len(outbound)
    response = await send(http, hostile, key_of(remote, keys, "mallory"))
    assert response.status_code == 202, response.text
    reason = await refused_by_worker(node, hostile["id"])
    assert "may not speak for" in reason
    await only_inbox_item_added(node, before)
    # Refused on the ids alone: the object named by reference was never fetched.
    assert outbound[fetched:] == []


async def test_activity_id_on_another_host_than_its_actor_is_400(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    alice_post: Post,
) -> None:
    hostile = {**activity("Like", mallory.uri, "l1", alice_post.uri)}
    hostile["id"] = "https://victim.example/activities/1"
    before = await snapshot(node.pool)
    response = await send(http, hostile, key_of(remote, keys, "mallory"))
    assert response.status_code == 400
    assert "victim.example" in response.json()["error"]
    await unchanged(node, before)


async def test_create_attributed_to_another_actor_is_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
    mallory: Actor,
    zoe: Actor,
) -> None:
    await follow(node, alice, zoe)
    await follow(node, alice, mallory)
    # Same host as mallory, so only the attribution gives it away.
    hostile = activity(
        "Create", mallory.uri, "c3", {**note(mallory.uri, 4), "attributedTo": zoe.uri}
    )
    before = await snapshot(node.pool)
    response = await send(http, hostile, key_of(remote, keys, "mallory"))
    assert response.status_code == 202, response.text
    assert "attributed to" in await refused_by_worker(node, hostile["id"])
    await only_inbox_item_added(node, before)


# 3. Key of another actor -----------------------------------------------------------------------


async def test_key_id_of_another_actor_signed_with_ones_own_key_is_401(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    zoe: Actor,
) -> None:
    # keyId names zoe's key, the activity claims zoe, but only mallory's private key signed it.
    stolen = Signer(zoe.key_id, keys["mallory"].private_pem)
    hostile = activity("Create", zoe.uri, "k1", note(zoe.uri, 5, "not zoe"))
    before = await snapshot(node.pool)
    response = await send(http, hostile, stolen)
    assert response.status_code == 401
    # Allowed: the failed signature made the node refetch zoe's key once; that touches only the
    # fetch timestamps of zoe's row, which the snapshot leaves out.
    await unchanged(node, before)


async def test_key_document_naming_another_actor_as_owner_is_401(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    zoe: Actor,
) -> None:
    # Mallory serves a key document saying it is zoe's: zoe's own document says otherwise.
    key_url = f"{remote.base_url}/keys/zoe-really"
    remote.documents["/keys/zoe-really"] = {
        "@context": "https://w3id.org/security/v1",
        "id": key_url,
        "type": "Key",
        "owner": zoe.uri,
        "publicKeyPem": keys["mallory"].public_pem,
    }
    hostile = activity("Create", zoe.uri, "k2", note(zoe.uri, 6, "not zoe either"))
    before = await snapshot(node.pool)
    response = await send(http, hostile, Signer(key_url, keys["mallory"].private_pem))
    assert response.status_code == 401
    assert "does not publish the key" in response.json()["error"]
    # Allowed: zoe's document was refetched to check the claim (fetch timestamps only).
    await unchanged(node, before)


async def test_actor_document_claiming_another_actors_key_id_is_401(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    zoe: Actor,
) -> None:
    # Mallory (not cached yet) publishes zoe's key id as her own: caching her must not take it.
    remote.documents["/users/mallory"]["publicKey"]["id"] = zoe.key_id
    mallory_uri = f"{remote.base_url}/users/mallory"
    hostile = activity("Create", mallory_uri, "k3", note(mallory_uri, 7))
    before = await snapshot(node.pool)
    response = await send(
        http, hostile, Signer(f"{mallory_uri}#main-key", keys["mallory"].private_pem)
    )
    assert response.status_code == 401
    await unchanged(node, before)
    async with node.pool.acquire() as conn:
        owner = await actors_db.by_key_id(conn, zoe.key_id)
    assert owner is not None and owner.uri == zoe.uri


async def test_actor_update_taking_another_actors_key_id_is_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    zoe: Actor,
) -> None:
    document = {**remote.documents["/users/mallory"]}
    document["publicKey"] = {**document["publicKey"], "id": zoe.key_id}
    hostile = activity("Update", mallory.uri, "k4", document)
    before = await snapshot(node.pool)
    response = await send(http, hostile, key_of(remote, keys, "mallory"))
    assert response.status_code == 202, response.text
    assert zoe.key_id in await refused_by_worker(node, hostile["id"])
    await only_inbox_item_added(node, before)


# 4. Replay -------------------------------------------------------------------------------------


async def test_replayed_request_changes_nothing_and_a_stale_date_is_401(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    alice_post: Post,
) -> None:
    mallory_key = key_of(remote, keys, "mallory")
    like = activity("Like", mallory.uri, "like-1", alice_post.uri)
    body = orjson.dumps(like)
    headers = signed_headers(body, mallory_key)
    first = await http.post("/inbox", content=body, headers=headers)
    assert first.status_code == 202, first.text
    await node.inbox_worker().run_once()
    undo = activity("Undo", mallory.uri, "undo-1", like)
    assert (await send(http, undo, mallory_key)).status_code == 202
    await node.inbox_worker().run_once()
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM likes") == 0

    # The very same request again, within the Date window: accepted as already seen, and the
    # like it once made does not come back.
    before = await snapshot(node.pool)
    replay = await http.post("/inbox", content=body, headers=headers)
    assert replay.status_code == 202, replay.text
    await unchanged(node, before)

    # The same signature over another body: the digest no longer matches.
    other = orjson.dumps({**like, "id": f"{mallory.uri}/activities/like-2"})
    tampered = await http.post("/inbox", content=other, headers=headers)
    assert tampered.status_code == 401

    # A fresh activity signed with a Date outside the window, in the past or in the future.
    for label, shift in (("stale", -2 * 3600), ("future", 2 * 3600)):
        late = activity("Like", mallory.uri, f"like-{label}", alice_post.uri)
        response = await send(http, late, mallory_key, now=time.time() + shift)
        assert response.status_code == 401, label
        assert "Date" in response.json()["error"], response.text
    await unchanged(node, before)


# 5. Update of someone else's post --------------------------------------------------------------


async def test_update_of_someone_elses_post_is_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
    alice_post: Post,
    mallory: Actor,
    zoe: Actor,
) -> None:
    await follow(node, alice, zoe)
    await follow(node, alice, mallory)
    zoe_note = await zoe_posts(node, http, remote, keys)
    pwned = {**zoe_note, "content": "<p>pwned</p>", "updated": "2026-11-20T11:00:00Z"}
    cases = {
        # Same host as zoe's post, attributed to zoe: only the signer gives it away.
        "as-zoe": (pwned, "only the author"),
        "as-mallory": ({**pwned, "attributedTo": mallory.uri}, "only the author"),
        # Alice's post lives on this node: no remote may speak for it.
        "local": (
            {**note(alice.uri, 0, "pwned"), "id": alice_post.uri},
            "may not speak for",
        ),
    }
    for label, (obj, expected) in cases.items():
        hostile = activity("Update", mallory.uri, f"update-{label}", obj)
        before = await snapshot(node.pool)
        response = await send(http, hostile, key_of(remote, keys, "mallory"))
        assert response.status_code == 202, response.text
        assert expected in await refused_by_worker(node, hostile["id"]), label
        await only_inbox_item_added(node, before)


# 6. Accept with no matching Follow -------------------------------------------------------------


async def test_accept_with_no_matching_follow_is_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
    mallory: Actor,
    zoe: Actor,
) -> None:
    # Alice asked zoe, not mallory; mallory tries to answer for zoe, or answers nothing at all.
    pending = await follow(node, alice, zoe, accepted=False)
    cases = {
        "unknown-follow": (f"{mallory.uri}/follows/none", "answers no follow request"),
        "embedded-unasked": (
            {
                "id": f"{mallory.uri}/f/1",
                "type": "Follow",
                "actor": alice.uri,
                "object": mallory.uri,
            },
            "answers no follow request",
        ),
        "someone-elses-follow": (pending, "only the followed account"),
        "someone-elses-follow-embedded": (
            {"id": pending, "type": "Follow", "actor": alice.uri, "object": zoe.uri},
            "only the followed account",
        ),
    }
    for label, (obj, expected) in cases.items():
        hostile = activity("Accept", mallory.uri, f"accept-{label}", obj)
        before = await snapshot(node.pool)
        response = await send(http, hostile, key_of(remote, keys, "mallory"))
        assert response.status_code == 202, response.text
        assert expected in await refused_by_worker(node, hostile["id"]), label
        await only_inbox_item_added(node, before)
    async with node.pool.acquire() as conn:
        still = await follows_db.by_uri(conn, pending)
    assert still is not None and not still.accepted


# 7. Blocked subdomain --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor_host", "key_on"),
    [
        ("a.evil.example", "actor"),
        ("A.Evil.Example.", "actor"),
        # The key lives on an unblocked server that would answer: it is never asked.
        ("a.evil.example", "remote"),
        # An unblocked actor signing with a key on a blocked host.
        ("remote", "evil"),
    ],
)
async def test_activity_from_a_blocked_subdomain_is_403_before_any_key_fetch(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice_post: Post,
    outbound: list[str],
    actor_host: str,
    key_on: str,
) -> None:
    async with node.pool.acquire() as conn, conn.transaction():
        await block_domain(conn, "evil.example")
    # This process changed the policy: reload its copy now rather than wait for the NOTIFY.
    await node.policy.refresh()
    actor = (
        f"{remote.base_url}/users/trent"
        if actor_host == "remote"
        else f"https://{actor_host}/users/eve"
    )
    key_id = {
        "actor": f"{actor}#main-key",
        "remote": f"{remote.base_url}/users/trent#main-key",
        "evil": "https://a.evil.example/users/eve#main-key",
    }[key_on]
    hostile = activity("Like", actor, "evil-like", alice_post.uri)
    before = await snapshot(node.pool)
    remote.requests.clear()
    fetched = len(outbound)
    response = await send(http, hostile, Signer(key_id, keys["trent"].private_pem))
    assert response.status_code == 403, response.text
    assert remote.requests == []
    assert outbound[fetched:] == []
    await unchanged(node, before)


# 8. Oversized body -----------------------------------------------------------------------------


async def test_body_over_one_megabyte_is_413_before_any_key_fetch(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
) -> None:
    trent = f"{remote.base_url}/users/trent"
    big = activity("Create", trent, "big", note(trent, 1, "x" * (MAX_BODY_BYTES + 1000)))
    body = orjson.dumps(big)
    assert len(body) > MAX_BODY_BYTES
    before = await snapshot(node.pool)
    remote.requests.clear()
    response = await send(http, body, key_of(remote, keys, "trent"))
    assert response.status_code == 413
    assert remote.requests == []
    await unchanged(node, before)


# 9. Ten thousand recipients --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "cc", "expected"),
    [
        # Past the normaliser's bound on the values of one document.
        (5_000, 5_000, "more than 10000 values"),
        (10_000, 0, "more than 10000 values"),
        # Within that bound, past the bound on one list of recipients.
        (600, 0, "lists 601 entries"),
    ],
)
async def test_thousands_of_recipients_are_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
    mallory: Actor,
    to: int,
    cc: int,
    expected: str,
) -> None:
    await follow(node, alice, mallory)
    people = [f"https://fedi.test/users/u{n}" for n in range(to + cc)]
    obj = note(mallory.uri, 10, "to everyone", to=[alice.uri, *people[:to]], cc=people[to:])
    hostile = activity("Create", mallory.uri, f"many-{to}-{cc}", obj, to=obj["to"], cc=obj["cc"])
    body = orjson.dumps(hostile)
    assert len(body) <= MAX_BODY_BYTES
    before = await snapshot(node.pool)
    response = await send(http, body, key_of(remote, keys, "mallory"))
    assert response.status_code == 202, response.text
    reason = await refused_by_worker(node, hostile["id"])
    assert expected in reason, reason
    await only_inbox_item_added(node, before)


# 10. Deep nesting ------------------------------------------------------------------------------


def nested_objects(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def nested_arrays(depth: int) -> bytes:
    return b"[" * depth + b"1" + b"]" * depth


def nested_mixed(depth: int) -> bytes:
    return b'{"a":[' * (depth // 2) + b"1" + b"]}" * (depth // 2)


@pytest.mark.parametrize(
    ("shape", "depth"),
    [
        (nested_objects, 10_000),
        (nested_arrays, 10_000),
        (nested_mixed, 10_000),
        # Within what the JSON parser itself accepts, yet past the inbox's own limit.
        (nested_objects, 500),
        (nested_arrays, 500),
    ],
)
async def test_deeply_nested_json_is_400_without_a_crash(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice_post: Post,
    shape: Any,
    depth: int,
) -> None:
    trent = f"{remote.base_url}/users/trent"
    template = orjson.dumps(activity("Like", trent, f"deep-{depth}", alice_post.uri, extra=0))
    body = template.replace(b'"extra":0', b'"extra":' + shape(depth))
    before = await snapshot(node.pool)
    remote.requests.clear()
    # ASGITransport re-raises what the app lets escape: a RecursionError would fail here.
    response = await send(http, body, key_of(remote, keys, "trent"))
    assert response.status_code == 400, response.text
    assert remote.requests == []
    await unchanged(node, before)


# Others ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_create_naming_an_object_on_a_private_address_fetches_nothing(
    pool: Any, remote: RemoteServer, keys: dict[str, RemoteKeys], host: str
) -> None:
    # A node that, as in production, refuses private addresses; the sender is cached already
    # (its key could not be fetched either), and really lives at that private address.
    serve_actors(remote, keys)
    document = orjson.loads(
        orjson.dumps(remote.documents["/users/mallory"]).replace(b"127.0.0.1", host.encode())
    )
    mallory = parse_actor(document)
    remote.documents["/notes/1"] = {**note(mallory.id, 1), "id": f"{remote.base_url}/notes/1"}
    async with running_node(make_settings(), pool, outbound_guard=loopback_only) as private_node:
        async with pool.acquire() as conn:
            await actors_db.upsert_remote(conn, **actor_columns(mallory))
        base = f"http://{host}:{remote.port}"
        hostile = activity("Create", mallory.id, "private", f"{base}/notes/1")
        before = await snapshot(pool)
        async with app_client(private_node) as http:
            response = await send(
                http, hostile, Signer(mallory.key_id, keys["mallory"].private_pem)
            )
        assert response.status_code == 202, response.text
        reason = await refused_by_worker(private_node, hostile["id"])
        # Refused by the address check itself (loopback_only lets loopback through).
        assert "is a loopback address" in reason, reason
        await only_inbox_item_added(private_node, before)
    assert remote.hits("/notes/1") == 0


async def test_remote_json_ld_context_is_never_fetched(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    alice_post: Post,
) -> None:
    # A context that would make "favourite" mean the Like's object, and an expanded key that
    # forces JSON-LD processing: the context is not pinned, so the activity is refused unread.
    context_url = f"{remote.base_url}/context.jsonld"
    remote.documents["/context.jsonld"] = {
        "@context": {"favourite": "https://www.w3.org/ns/activitystreams#object"}
    }
    hostile = {
        "@context": [AS_CONTEXT, context_url],
        "id": f"{mallory.uri}/activities/ld-like",
        "type": "Like",
        "actor": mallory.uri,
        "https://www.w3.org/ns/activitystreams#object": alice_post.uri,
    }
    before = await snapshot(node.pool)
    response = await send(http, hostile, key_of(remote, keys, "mallory"))
    assert response.status_code == 202, response.text
    reason = await refused_by_worker(node, hostile["id"])
    assert "never fetched" in reason, reason
    await only_inbox_item_added(node, before)
    assert remote.hits("/context.jsonld") == 0


async def test_delete_of_another_actor_is_refused(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
    mallory: Actor,
    zoe: Actor,
) -> None:
    await follow(node, alice, zoe)
    await zoe_posts(node, http, remote, keys)
    cases = {
        # zoe shares mallory's host, so only the signer gives it away.
        "remote-actor": zoe.uri,
        "remote-actor-embedded": {"id": zoe.uri, "type": "Person"},
        "local-actor": alice.uri,
    }
    for label, obj in cases.items():
        hostile = activity("Delete", mallory.uri, f"delete-{label}", obj)
        before = await snapshot(node.pool)
        response = await send(http, hostile, key_of(remote, keys, "mallory"))
        assert response.status_code == 202, response.text
        reason = await refused_by_worker(node, hostile["id"])
        assert "may not" in reason or "only" in reason, reason
        await only_inbox_item_added(node, before)


async def test_delete_of_another_actors_unseen_post_does_not_block_it(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    alice: Actor,
    mallory: Actor,
    zoe: Actor,
) -> None:
    # A Delete that arrives before its Create is remembered, so the late Create is refused; but
    # only the author's own Delete may do that, or mallory could silence zoe's next posts.
    await follow(node, alice, zoe)
    future = f"{zoe.uri}/statuses/1"
    hostile = activity("Delete", mallory.uri, "pre-delete", future)
    response = await send(http, hostile, key_of(remote, keys, "mallory"))
    assert response.status_code == 202, response.text
    await node.inbox_worker().run_once()
    await zoe_posts(node, http, remote, keys)  # asserts zoe's post (statuses/1) was kept


async def test_undo_of_someone_elses_like_leaves_it(
    node: Node,
    http: httpx.AsyncClient,
    remote: RemoteServer,
    keys: dict[str, RemoteKeys],
    mallory: Actor,
    zoe: Actor,
    alice_post: Post,
) -> None:
    like = activity("Like", zoe.uri, "zoe-like", alice_post.uri)
    assert (await send(http, like, key_of(remote, keys, "zoe"))).status_code == 202
    await node.inbox_worker().run_once()
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM likes") == 1
    # Embedded, zoe's Like names its actor: refused. By id alone, the Undo finds nothing of
    # mallory's to undo, which the Undo handler records as done (tests/inbox/handlers/test_undo.py).
    for label, obj, state in (("embedded", like, "refused"), ("by-reference", like["id"], "done")):
        hostile = activity("Undo", mallory.uri, f"undo-{label}", obj)
        before = await snapshot(node.pool)
        response = await send(http, hostile, key_of(remote, keys, "mallory"))
        assert response.status_code == 202, response.text
        await node.inbox_worker().run_once()
        async with node.pool.acquire() as conn:
            assert (
                await conn.fetchval(
                    "SELECT state FROM inbox_items WHERE activity_uri = $1", hostile["id"]
                )
                == state
            ), label
        await only_inbox_item_added(node, before)
