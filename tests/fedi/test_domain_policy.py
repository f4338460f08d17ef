"""The domain policy: matching by longest suffix, its store and audit, and each of its effects."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio

from activitypub.client import OutboundRefused
from activitypub.signatures import HttpSignatureAuth
from fedi.api.auth import issue_token
from fedi.app import Node, create_app, running_node
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db import stream_audience
from fedi.db.actors import Actor
from fedi.domain import policy
from fedi.domain.accounts import create_user
from fedi.domain.policy import DomainBlock, InvalidDomain, PolicySnapshot, rule_keys
from fedi.domain.posts import Draft
from fedi.errors import InvalidInput
from inbox.store import store_activity
from outbox import recipients
from tests.conftest import make_settings
from tests.federation.cluster import eventually
from tests.support.actors import remote_actor
from tests.support.inbox import receive
from tests.support.notes import create, note
from tests.support.remote import RemoteKeys, RemoteServer, new_keys, running
from webfinger.resolver import ResolveError

pytestmark = pytest.mark.asyncio(loop_scope="session")

ACTIVITY_JSON = {"Content-Type": "application/activity+json"}


# --- matching -------------------------------------------------------------------------------


async def test_rule_keys_are_the_host_and_its_parents_most_specific_first() -> None:
    assert rule_keys("a.evil.example") == ["a.evil.example", "evil.example", "example"]
    assert rule_keys("A.Evil.EXAMPLE.") == ["a.evil.example", "evil.example", "example"]
    assert rule_keys("evil.example:8443") == [
        "evil.example:8443",
        "evil.example",
        "example:8443",
        "example",
    ]
    assert rule_keys("bücher.example") == ["xn--bcher-kva.example", "example"]
    # An address has no parent domains: 0.0.1 is not a parent of 127.0.0.1.
    assert rule_keys("127.0.0.1:8001") == ["127.0.0.1:8001", "127.0.0.1"]
    assert rule_keys("[2001:DB8::1]:443") == ["[2001:db8::1]:443", "[2001:db8::1]"]


def block(domain: str, severity: str = "suspend", **flags: Any) -> DomainBlock:
    return DomainBlock(
        id=0,
        domain=domain,
        severity=severity,
        reject_media=flags.get("reject_media", False),
        reject_reports=flags.get("reject_reports", False),
        private_comment="",
        public_comment="",
        obfuscate=False,
        created_at=datetime.now(UTC),
    )


def snapshot(*blocks: DomainBlock, **options: Any) -> PolicySnapshot:
    return PolicySnapshot(blocks={b.domain: b for b in blocks}, **options)


async def test_a_block_covers_the_domain_and_its_subdomains_but_not_lookalikes() -> None:
    rules = snapshot(block("evil.example"))
    for host in ("evil.example", "a.evil.example", "x.y.evil.example", "EVIL.example."):
        assert not rules.may_federate(host), host
    for host in ("notevil.example", "evil.example.org", "example", "evil.exampl"):
        assert rules.may_federate(host), host


async def test_a_block_matches_whatever_the_case_idn_trailing_dot_or_port() -> None:
    rules = snapshot(block(policy.normalize_domain("Bücher.Example.")))
    assert rules.rule_for("xn--bcher-kva.example") is not None
    assert rules.rule_for("BÜCHER.example") is not None
    assert rules.rule_for("shop.bücher.example.:8443") is not None
    assert rules.rule_for("buecher.example") is None


async def test_a_block_with_a_port_covers_that_port_only() -> None:
    rules = snapshot(block("localhost:8001"))
    assert not rules.may_federate("localhost:8001")
    assert not rules.may_federate("a.localhost:8001")
    assert rules.may_federate("localhost:8002")
    assert rules.may_federate("localhost")


async def test_the_longest_suffix_wins() -> None:
    rules = snapshot(block("evil.example"), block("ok.evil.example", "noop"))
    assert rules.may_federate("ok.evil.example")
    assert rules.may_federate("www.ok.evil.example")
    assert not rules.may_federate("other.evil.example")
    governing = rules.rule_for("www.ok.evil.example")
    assert governing is not None and governing.domain == "ok.evil.example"
    ported = snapshot(block("evil.example", "silence"), block("evil.example:8443"))
    assert not ported.may_federate("evil.example:8443")
    assert ported.may_federate("evil.example")


async def test_allowlist_mode_admits_listed_domains_their_subdomains_and_ourselves() -> None:
    rules = PolicySnapshot(
        mode="allowlist",
        blocks={"bad.friends.example": block("bad.friends.example")},
        allows=frozenset({"friends.example"}),
        local_domains=frozenset({"fedi.test"}),
    )
    assert rules.may_federate("friends.example")
    assert rules.may_federate("a.friends.example")
    assert not rules.may_federate("bad.friends.example")
    assert not rules.may_federate("stranger.example")
    assert rules.may_federate("fedi.test")


async def test_sql_matches_the_same_keys_and_rules(pool: Any) -> None:
    hosts = [
        "a.evil.example",
        "evil.example:8443",
        "x.y.z.example:1",
        "127.0.0.1:8001",
        "[2001:db8::1]:443",
        "[::1]",
        "localhost",
        "xn--bcher-kva.example",
    ]
    async with pool.acquire() as conn:
        for host in hosts:
            assert await conn.fetchval("SELECT domain_rule_keys($1)", host) == rule_keys(host)
        await policy.block_domain(conn, "evil.example", severity="silence")
        await policy.block_domain(conn, "ok.evil.example", severity="noop")
        await policy.block_domain(conn, "evil.example:8443")
        for host in ("evil.example", "a.ok.evil.example", "b.evil.example:8443", "good.example"):
            rule = await policy.rule_for(conn, host)
            severity = await conn.fetchval("SELECT domain_severity($1)", host)
            assert severity == (rule.severity if rule else None), host


# --- the store ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "domain",
    ["", "   ", "evil..example", "https://evil.example/", "ev il.example", "*.evil.example"],
)
async def test_a_malformed_domain_is_refused_by_name(pool: Any, domain: str) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(InvalidDomain) as refused:
            await policy.block_domain(conn, domain)
        assert await policy.list_blocks(conn) == []
    assert isinstance(refused.value, InvalidInput)
    if domain.strip():
        assert domain.strip() in str(refused.value)


async def test_block_update_and_unblock_are_audited(pool: Any) -> None:
    async with pool.acquire() as conn:
        first = await policy.block_domain(
            conn, "Evil.Example.", severity="silence", private_comment="spam wave", by_actor_id=None
        )
        second = await policy.block_domain(conn, "evil.example", reject_media=True)
        assert first.id == second.id and second.severity == "suspend" and second.reject_media
        assert [b.domain for b in await policy.list_blocks(conn)] == ["evil.example"]
        assert await policy.unblock_domain(conn, "EVIL.example")
        assert not await policy.unblock_domain(conn, "evil.example")
        log = await conn.fetch(
            "SELECT action, target_type, target, reason FROM audit_log ORDER BY id"
        )
    assert [tuple(row) for row in log] == [
        ("domain_block.create", "domain", "evil.example", "silence: spam wave"),
        ("domain_block.update", "domain", "evil.example", "suspend, reject_media"),
        ("domain_block.destroy", "domain", "evil.example", "suspend, reject_media"),
    ]


async def test_bad_severity_changes_nothing(pool: Any) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(InvalidInput, match="severity"):
            await policy.block_domain(conn, "evil.example", severity="ban")
        assert await policy.list_blocks(conn) == []
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_the_node_cannot_block_itself(node: Node) -> None:
    async with node.pool.acquire() as conn:
        with pytest.raises(InvalidDomain, match="own domain"):
            await policy.block_domain(conn, node.settings.domain)
        assert await policy.may_federate(conn, node.settings.domain)


async def test_a_failed_audit_undoes_the_block(pool: Any) -> None:
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE audit_log ADD CONSTRAINT no_blocks CHECK (false) NOT VALID")
        try:
            with pytest.raises(Exception, match="no_blocks"):
                await policy.block_domain(conn, "evil.example")
            assert await policy.list_blocks(conn) == []
        finally:
            await conn.execute("ALTER TABLE audit_log DROP CONSTRAINT no_blocks")


async def test_federation_mode_and_allowlist(node: Node) -> None:
    async with node.pool.acquire() as conn:
        assert await policy.federation_mode(conn) == "open"
        assert await policy.may_federate(conn, "stranger.example")
        await policy.allow_domain(conn, "Friends.Example")
        await policy.allow_domain(conn, "friends.example")
        assert await policy.list_allows(conn) == ["friends.example"]
        await policy.set_federation_mode(conn, "allowlist")
        assert await policy.federation_mode(conn) == "allowlist"
        assert not await policy.may_federate(conn, "stranger.example")
        assert await policy.may_federate(conn, "www.friends.example")
        assert await policy.may_federate(conn, node.settings.domain)
        assert await policy.disallow_domain(conn, "friends.example")
        assert not await policy.disallow_domain(conn, "friends.example")
        assert not await policy.may_federate(conn, "friends.example")
        with pytest.raises(InvalidInput, match="federation mode"):
            await policy.set_federation_mode(conn, "closed")
        actions = [
            r["action"] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY id")
        ]
    assert actions == [
        "domain_allow.create",
        "federation_mode.update",
        "domain_allow.destroy",
    ]


# --- effects --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteServer]:
    with running(RemoteServer()) as server:
        yield server


@pytest.fixture(scope="module")
def zoe_keys() -> RemoteKeys:
    return new_keys()


@pytest_asyncio.fixture(loop_scope="session")
async def node(pool: Any, remote: RemoteServer, zoe_keys: RemoteKeys) -> AsyncIterator[Node]:
    """A node that may reach the loopback remote server (and nothing else)."""
    remote.documents.clear()
    remote.requests.clear()
    remote.add_actor("zoe", zoe_keys.public_pem)
    settings = make_settings(FEDI_ALLOW_PRIVATE_ADDRESSES="1")
    async with running_node(settings, pool) as running_:
        yield running_


@pytest_asyncio.fixture(loop_scope="session")
async def http(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=node.settings.base_url) as client:
        yield client


async def local_user(node: Node, name: str) -> tuple[Actor, dict[str, str]]:
    actor = (await create_user(node.pool, node.urls, node.settings.domain, name)).actor
    async with node.pool.acquire() as conn:
        token, _ = await issue_token(conn, None, actor.id, ["read", "write", "follow"])
    return actor, {"Authorization": f"Bearer {token}"}


async def change(node: Node, action: Any, *args: Any, **kwargs: Any) -> Any:
    """A policy change in its own transaction, then this process's copy brought up to date."""
    async with node.pool.acquire() as conn:
        result = await action(conn, *args, **kwargs)
    await node.policy.refresh()
    return result


async def value(node: Node, query: str, *args: Any) -> Any:
    async with node.pool.acquire() as conn:
        return await conn.fetchval(query, *args)


def like_from(remote: RemoteServer, number: int) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{remote.base_url}/activities/{number}",
        "type": "Like",
        "actor": f"{remote.base_url}/users/zoe",
        "object": "https://fedi.test/users/nobody/statuses/1",
    }


async def post_signed(
    http: httpx.AsyncClient, key_id: str, keys: RemoteKeys, activity: dict[str, Any]
) -> httpx.Response:
    return await http.post(
        "/inbox",
        content=orjson.dumps(activity),
        headers=ACTIVITY_JSON,
        auth=HttpSignatureAuth(key_id, keys.private_pem),
    )


async def test_inbox_refuses_a_suspended_domain_with_403_before_any_key_fetch(
    node: Node, http: httpx.AsyncClient, remote: RemoteServer, zoe_keys: RemoteKeys
) -> None:
    key_id = f"{remote.base_url}/users/zoe#main-key"
    await change(node, policy.block_domain, remote.domain)
    refused = await post_signed(http, key_id, zoe_keys, like_from(remote, 1))
    assert refused.status_code == 403, refused.text
    assert remote.requests == []  # not even the key was fetched
    assert await value(node, "SELECT count(*) FROM inbox_items") == 0

    await change(node, policy.unblock_domain, remote.domain)
    accepted = await post_signed(http, key_id, zoe_keys, like_from(remote, 2))
    assert accepted.status_code == 202, accepted.text
    assert remote.hits("/users/zoe") == 1


async def test_inbox_refuses_subdomains_of_a_blocked_domain(
    node: Node, http: httpx.AsyncClient, zoe_keys: RemoteKeys
) -> None:
    await change(node, policy.block_domain, "evil.example", severity="suspend")
    for host in ("evil.example", "a.evil.example", "x.y.evil.example"):
        activity = {
            "id": f"https://{host}/activities/1",
            "type": "Like",
            "actor": f"https://{host}/users/mallory",
            "object": "https://fedi.test/users/nobody/statuses/1",
        }
        response = await post_signed(
            http, f"https://{host}/users/mallory#main-key", zoe_keys, activity
        )
        assert response.status_code == 403, (host, response.text)
    # A key on a blocked domain is refused even when the actor claims another server.
    activity = like_from(RemoteServer(port=1), 3)
    response = await post_signed(http, "https://evil.example/keys/1", zoe_keys, activity)
    assert response.status_code == 403


async def test_allowlist_mode_refuses_unlisted_domains_at_the_inbox(
    node: Node, http: httpx.AsyncClient, remote: RemoteServer, zoe_keys: RemoteKeys
) -> None:
    key_id = f"{remote.base_url}/users/zoe#main-key"
    await change(node, policy.allow_domain, "friends.example")
    await change(node, policy.set_federation_mode, "allowlist")
    refused = await post_signed(http, key_id, zoe_keys, like_from(remote, 1))
    assert refused.status_code == 403
    assert remote.requests == []
    await change(node, policy.allow_domain, remote.domain)
    accepted = await post_signed(http, key_id, zoe_keys, like_from(remote, 2))
    assert accepted.status_code == 202, accepted.text


async def test_a_change_made_anywhere_reaches_the_in_memory_policy(node: Node) -> None:
    """Another process's change arrives by NOTIFY: no refresh is asked for here."""
    await asyncio.wait_for(node.policy.listening.wait(), 10)
    assert node.policy.may_federate("evil.example")
    async with node.pool.acquire() as conn:
        await policy.block_domain(conn, "evil.example")

    async def refused() -> bool:
        return not node.policy.may_federate("sub.evil.example")

    await eventually(refused, within=5, what="the NOTIFY of the block")
    async with node.pool.acquire() as conn:
        await policy.unblock_domain(conn, "evil.example")

    async def federating() -> bool:
        return node.policy.may_federate("sub.evil.example")

    await eventually(federating, within=5, what="the NOTIFY of the lifted block")


async def test_nothing_is_fetched_from_a_suspended_domain(node: Node, remote: RemoteServer) -> None:
    uri = f"{remote.base_url}/users/zoe"
    await change(node, policy.block_domain, remote.domain)
    with pytest.raises(ResolveError, match="does not federate"):
        await node.resolver.actor_by_uri(uri)
    with pytest.raises(ResolveError, match="does not federate"):
        await node.resolver.actor_by_acct(f"zoe@{remote.domain}")
    with pytest.raises(ResolveError, match="does not federate"):
        await node.resolver.fetch_object(f"{remote.base_url}/notes/1")
    # The outbound guard refuses on its own, whatever asks.
    with pytest.raises(OutboundRefused, match="suspended"):
        await node.client.get_object(uri)
    with pytest.raises(OutboundRefused, match="suspended"):
        await node.client.post(f"{remote.base_url}/inbox", b"{}", auth=None)
    assert remote.requests == []
    await change(node, policy.unblock_domain, remote.domain)
    assert (await node.resolver.actor_by_uri(uri)).uri == uri


async def test_nothing_is_fetched_outside_the_allowlist(node: Node, remote: RemoteServer) -> None:
    await change(node, policy.set_federation_mode, "allowlist")
    with pytest.raises(ResolveError, match="does not federate"):
        await node.resolver.actor_by_uri(f"{remote.base_url}/users/zoe")
    with pytest.raises(OutboundRefused, match="allowlist"):
        await node.client.get_object(f"{remote.base_url}/users/zoe")
    assert remote.requests == []


async def pending_and_failed(node: Node, domain: str) -> list[tuple[str, str | None]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT state, last_error FROM deliveries WHERE domain = $1 ORDER BY id", domain
        )
    return [(row["state"], row["last_error"]) for row in rows]


async def test_queued_deliveries_to_a_domain_that_becomes_suspended_are_never_sent(
    node: Node, remote: RemoteServer
) -> None:
    remote.documents["/inbox"] = {"accepted": True}  # the shared inbox answers 200
    alice, _ = await local_user(node, "alice")
    zoe = await node.resolver.actor_by_uri(f"{remote.base_url}/users/zoe")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{zoe.uri}#follow", zoe.id, alice.id, accepted=True)
    await node.publisher.post(alice, Draft("before"))
    assert await node.delivery_worker().run_once() == 1
    assert remote.hits("/inbox") == 1  # the remote hears while it is not blocked

    await node.publisher.post(alice, Draft("queued, then blocked"))
    await change(node, policy.block_domain, remote.domain)
    assert await pending_and_failed(node, remote.domain) == [
        ("done", None),
        ("failed", "the domain is suspended"),
    ]
    await node.publisher.post(alice, Draft("after"))
    assert await node.delivery_worker().run_once() == 0
    assert remote.hits("/inbox") == 1
    assert len(await pending_and_failed(node, remote.domain)) == 2


async def test_no_delivery_rows_for_refused_domains(node: Node, remote: RemoteServer) -> None:
    """Followers on a domain off the allowlist stay, but nothing is queued for them."""
    alice, _ = await local_user(node, "alice")
    zoe = await node.resolver.actor_by_uri(f"{remote.base_url}/users/zoe")
    friend = await remote_actor(node.pool, "friend", "friends.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{zoe.uri}#follow", zoe.id, alice.id, accepted=True)
        await follows_db.upsert(conn, f"{friend.uri}#follow", friend.id, alice.id, accepted=True)
    await node.publisher.post(alice, Draft("one"))
    assert await pending_and_failed(node, remote.domain) == [("pending", None)]

    await change(node, policy.allow_domain, "friends.example")
    await change(node, policy.set_federation_mode, "allowlist")
    # The one queued before the switch is given up, as is any later one.
    assert await pending_and_failed(node, remote.domain) == [
        ("failed", "the domain is not on the allowlist")
    ]
    await node.publisher.post(alice, Draft("two"))
    assert len(await pending_and_failed(node, remote.domain)) == 1
    assert [s for s, _ in await pending_and_failed(node, "friends.example")] == ["pending"] * 2
    assert await value(node, "SELECT count(*) FROM follows") == 2


async def test_suspension_purges_the_domain_and_its_subdomains_and_nothing_else(
    node: Node,
) -> None:
    alice, _ = await local_user(node, "alice")
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    sub = await remote_actor(node.pool, "sub", "social.remote.example")
    other = await remote_actor(node.pool, "other", "notremote.example")
    mine = await node.publisher.post(alice, Draft("mine"))
    async with node.pool.acquire() as conn:
        for who in (zoe, sub, other):
            await follows_db.upsert(conn, f"{who.uri}#f", who.id, alice.id, accepted=True)
            await follows_db.upsert(conn, f"{alice.uri}#f{who.id}", alice.id, who.id, accepted=True)
    for n, who in enumerate((zoe, sub, other), start=1):
        obj = note(who, n, "hello", attachment=[PHOTO])
        assert (await receive(node, who, create(who, obj))).state == "done"
        like = {"id": f"{who.uri}#like", "type": "Like", "actor": who.uri, "object": mine.uri}
        assert (await receive(node, who, like)).state == "done"
        boost = {
            "id": f"{who.uri}#boost",
            "type": "Announce",
            "actor": who.uri,
            "object": mine.uri,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }
        assert (await receive(node, who, boost)).state == "done"
    # Waiting in the inbox when the block lands: refused, never processed.
    late = create(zoe, note(zoe, 99, "late"))
    await store_activity(node.pool, late, zoe)

    await change(node, policy.block_domain, "remote.example")

    async with node.pool.acquire() as conn:
        domains = [r["domain"] for r in await conn.fetch("SELECT domain FROM actors ORDER BY id")]
        assert "remote.example" not in domains and "social.remote.example" not in domains
        assert "notremote.example" in domains
        for table in ("posts", "likes", "boosts", "media_attachments"):
            owners = await conn.fetch(f"SELECT DISTINCT actor_id FROM {table}")
            assert {r["actor_id"] for r in owners} <= {alice.id, other.id}, table
        assert await conn.fetchval("SELECT count(*) FROM posts WHERE actor_id = $1", other.id) == 1
        follows = await conn.fetch("SELECT follower_id, followee_id FROM follows ORDER BY id")
        assert {(r["follower_id"], r["followee_id"]) for r in follows} == {
            (other.id, alice.id),
            (alice.id, other.id),
        }
        assert await posts_db.by_uri(conn, mine.uri) is not None
        state = await conn.fetchval(
            "SELECT state FROM inbox_items WHERE activity_uri = $1", late["id"]
        )
    assert state == "refused"
    await node.inbox_worker().run_once()
    assert await value(node, "SELECT count(*) FROM posts WHERE uri = $1", late["object"]["id"]) == 0


async def test_lifting_a_block_restores_new_activity_but_nothing_purged(node: Node) -> None:
    alice, _ = await local_user(node, "alice")
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
    first = note(zoe, 1, "before the block")
    assert (await receive(node, zoe, create(zoe, first))).state == "done"
    await change(node, policy.block_domain, "remote.example")
    await change(node, policy.unblock_domain, "remote.example")
    # The account comes back as a new row (a real node resolves it again on its next activity).
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f2", alice.id, zoe.id, accepted=True)
    second = note(zoe, 2, "after the block")
    assert (await receive(node, zoe, create(zoe, second))).state == "done"
    async with node.pool.acquire() as conn:
        assert await posts_db.by_uri(conn, first["id"]) is None
        assert await posts_db.by_uri(conn, second["id"]) is not None


PHOTO = {
    "type": "Document",
    "mediaType": "image/jpeg",
    "url": "https://files.example/photo.jpg",
    "name": "a photo",
}


async def test_silenced_posts_leave_public_and_tag_timelines_but_not_their_followers(
    node: Node, http: httpx.AsyncClient
) -> None:
    alice, alice_auth = await local_user(node, "alice")
    _, bob_auth = await local_user(node, "bob")
    zoe = await remote_actor(node.pool, "zoe", "social.remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
    obj = note(zoe, 1, "loud #news", tag=[{"type": "Hashtag", "name": "#news"}])
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    await node.publisher.post(alice, Draft("quiet #news"))

    async def public_texts(auth: dict[str, str] | None, path: str) -> list[str]:
        response = await http.get(path, headers=auth)
        assert response.status_code == 200, response.text
        return sorted(status["content"] for status in response.json())

    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/news"):
        assert len(await public_texts(bob_auth, path)) == 2, path
    await change(node, policy.block_domain, "remote.example", severity="silence")
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/tag/news"):
        for auth in (None, bob_auth):
            texts = await public_texts(auth, path)
            assert len(texts) == 1 and "quiet" in texts[0], (path, auth)
        # Alice follows zoe: she still sees her.
        assert len(await public_texts(alice_auth, path)) == 2, path
    await change(node, policy.unblock_domain, "remote.example")
    assert len(await public_texts(None, "/api/v1/timelines/public")) == 2


async def test_silenced_accounts_are_found_only_by_their_followers(
    node: Node, http: httpx.AsyncClient
) -> None:
    alice, alice_auth = await local_user(node, "alice")
    _, bob_auth = await local_user(node, "bob")
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)

    async def found(auth: dict[str, str]) -> dict[str, bool]:
        v1 = await http.get("/api/v1/accounts/search", params={"q": "zo"}, headers=auth)
        v2 = await http.get("/api/v2/search", params={"q": "zo", "type": "accounts"}, headers=auth)
        assert v1.status_code == v2.status_code == 200, (v1.text, v2.text)
        return {
            "v1": any(a["acct"] == "zoe@remote.example" for a in v1.json()),
            "v2": any(a["acct"] == "zoe@remote.example" for a in v2.json()["accounts"]),
        }

    assert await found(bob_auth) == {"v1": True, "v2": True}
    await change(node, policy.block_domain, "remote.example", severity="silence")
    assert await found(bob_auth) == {"v1": False, "v2": False}
    assert await found(alice_auth) == {"v1": True, "v2": True}


async def test_a_follow_from_a_silenced_domain_needs_approval(node: Node) -> None:
    alice, _ = await local_user(node, "alice")
    assert not alice.manually_approves_followers
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    mallory = await remote_actor(node.pool, "mallory", "a.quiet.example")
    await change(node, policy.block_domain, "quiet.example", severity="silence")
    for who in (zoe, mallory):
        follow = {
            "id": f"{who.uri}#follow",
            "type": "Follow",
            "actor": who.uri,
            "object": alice.uri,
        }
        assert (await receive(node, who, follow)).state == "done"
    async with node.pool.acquire() as conn:
        open_follow = await follows_db.between(conn, zoe.id, alice.id)
        limited = await follows_db.between(conn, mallory.id, alice.id)
        kinds = await conn.fetch(
            "SELECT from_actor_id, notification_type FROM notifications WHERE recipient_id = $1",
            alice.id,
        )
    assert open_follow is not None and open_follow.accepted
    assert limited is not None and not limited.accepted
    assert {(r["from_actor_id"], r["notification_type"]) for r in kinds} == {
        (zoe.id, "follow"),
        (mallory.id, "follow_request"),
    }


async def test_rejected_media_are_neither_kept_nor_shown(node: Node) -> None:
    alice, _ = await local_user(node, "alice")
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
        await conn.execute(
            "UPDATE actors SET icon_url = 'https://remote.example/a.png',"
            " header_url = 'https://remote.example/h.png' WHERE id = $1",
            zoe.id,
        )
    before = note(zoe, 1, "with a photo", attachment=[PHOTO])
    assert (await receive(node, zoe, create(zoe, before))).state == "done"
    assert await value(node, "SELECT count(*) FROM media_attachments") == 1

    await change(node, policy.block_domain, "remote.example", severity="noop", reject_media=True)
    # What was kept goes, avatar and header included; the posts stay.
    assert await value(node, "SELECT count(*) FROM media_attachments") == 0
    assert await value(
        node, "SELECT icon_url IS NULL AND header_url IS NULL FROM actors WHERE id = $1", zoe.id
    )
    assert await value(node, "SELECT count(*) FROM posts WHERE actor_id = $1", zoe.id) == 1

    after = note(zoe, 2, "another photo", attachment=[PHOTO])
    assert (await receive(node, zoe, create(zoe, after))).state == "done"
    edited = {**before, "content": "<p>edited</p>", "attachment": [PHOTO]}
    update = {"id": f"{zoe.uri}#update", "type": "Update", "actor": zoe.uri, "object": edited}
    assert (await receive(node, zoe, update)).state == "done"
    profile = {
        "id": zoe.uri,
        "type": "Person",
        "preferredUsername": "zoe",
        "inbox": zoe.inbox_url,
        "icon": {"type": "Image", "url": "https://remote.example/new-avatar.png"},
        "publicKey": {"id": zoe.key_id, "owner": zoe.uri, "publicKeyPem": zoe.public_key_pem},
    }
    update_profile = {
        "id": f"{zoe.uri}#update-profile",
        "type": "Update",
        "actor": zoe.uri,
        "object": profile,
    }
    assert (await receive(node, zoe, update_profile)).state == "done"
    assert await value(node, "SELECT count(*) FROM media_attachments") == 0
    assert await value(node, "SELECT icon_url FROM actors WHERE id = $1", zoe.id) is None
    assert await value(node, "SELECT count(*) FROM posts WHERE actor_id = $1", zoe.id) == 2


async def test_resolving_an_actor_of_a_media_rejecting_domain_keeps_no_avatar(
    node: Node, remote: RemoteServer
) -> None:
    remote.documents["/users/zoe"]["icon"] = {"type": "Image", "url": "http://x.example/a.png"}
    uri = f"{remote.base_url}/users/zoe"
    await change(node, policy.block_domain, remote.domain, severity="noop", reject_media=True)
    assert (await node.resolver.actor_by_uri(uri)).icon_url is None
    await change(node, policy.unblock_domain, remote.domain)
    assert (
        await node.resolver.actor_by_uri(uri, refresh=True)
    ).icon_url == "http://x.example/a.png"


async def test_deliverable_drops_suspended_and_unlisted_hosts(node: Node) -> None:
    inboxes = [
        "https://evil.example/inbox",
        "https://a.evil.example/inbox",
        "https://notevil.example/inbox",
        "https://friends.example/inbox",
    ]
    await change(node, policy.block_domain, "evil.example")
    async with node.pool.acquire() as conn:
        assert await recipients.deliverable(conn, inboxes, node.settings.domain) == inboxes[2:]
        await policy.allow_domain(conn, "friends.example")
        await policy.set_federation_mode(conn, "allowlist")
        assert await recipients.deliverable(conn, inboxes, node.settings.domain) == inboxes[3:]
        refused = await policy.refused_hosts(conn, ["evil.example:8443", "friends.example"])
    assert refused == {"evil.example:8443"}


async def test_a_signed_fetch_from_a_suspended_domain_is_403_before_any_key_fetch(
    node: Node, http: httpx.AsyncClient, remote: RemoteServer, zoe_keys: RemoteKeys
) -> None:
    alice, _ = await local_user(node, "alice")
    signed = HttpSignatureAuth(f"{remote.base_url}/users/zoe#main-key", zoe_keys.private_pem)
    accept = {"Accept": "application/activity+json"}
    path = httpx.URL(alice.uri).path
    assert (await http.get(path, headers=accept, auth=signed)).status_code == 200
    assert remote.hits("/users/zoe") == 1
    await change(node, policy.block_domain, remote.domain)
    remote.requests.clear()
    refused = await http.get(path, headers=accept, auth=signed)
    assert refused.status_code == 403, refused.text
    assert remote.requests == []


async def test_lifting_an_exemption_applies_the_parent_suspension(node: Node) -> None:
    await change(node, policy.block_domain, "evil.example")
    await change(node, policy.block_domain, "ok.evil.example", severity="noop")
    kept = await remote_actor(node.pool, "kept", "ok.evil.example")
    assert await value(node, "SELECT count(*) FROM actors WHERE id = $1", kept.id) == 1
    await change(node, policy.unblock_domain, "ok.evil.example")
    assert await value(node, "SELECT count(*) FROM actors WHERE id = $1", kept.id) == 0
    assert not node.policy.may_federate("ok.evil.example")


async def test_silenced_posts_stay_out_of_the_public_streams(node: Node) -> None:
    alice, _ = await local_user(node, "alice")
    zoe = await remote_actor(node.pool, "zoe", "social.remote.example")
    async with node.pool.acquire() as conn:  # a follower here, or the post is not kept
        await follows_db.upsert(conn, f"{alice.uri}#f", alice.id, zoe.id, accepted=True)
    obj = note(zoe, 7, "loud #news", tag=[{"type": "Hashtag", "name": "#news"}])
    assert (await receive(node, zoe, create(zoe, obj))).state == "done"
    async with node.pool.acquire() as conn:
        post_id = await conn.fetchval("SELECT id FROM posts WHERE actor_id = $1", zoe.id)
        assert post_id is not None
        assert not (await stream_audience.post_facts(conn, post_id)).limited_author
    await change(node, policy.block_domain, "remote.example", severity="silence")
    async with node.pool.acquire() as conn:
        assert (await stream_audience.post_facts(conn, post_id)).limited_author
