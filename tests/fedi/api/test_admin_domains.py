"""Admin API: domain blocks and allows (Mastodon's shapes and rules) and the federation mode."""

from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi.domain import audit, policy
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
MODE = "/api/v1/admin/federation_mode"
ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"]
# docs.joinmastodon.org/entities/Admin_DomainBlock (digest since Mastodon 4.1).
ADMIN_DOMAIN_BLOCK = {
    "id",
    "domain",
    "digest",
    "created_at",
    "severity",
    "reject_media",
    "reject_reports",
    "private_comment",
    "public_comment",
    "obfuscate",
}
ADMIN_DOMAIN_ALLOW = {"id", "domain", "created_at"}


@pytest_asyncio.fixture(loop_scope="session")
async def admin(make_user: MakeUser) -> ApiUser:
    return await make_user("admin", is_admin=True, scopes=ADMIN_SCOPES)


async def _block(
    client: httpx.AsyncClient, admin: ApiUser, domain: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(BLOCKS, json={"domain": domain, **fields}, headers=admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


ENDPOINTS = [
    ("GET", BLOCKS),
    ("POST", BLOCKS),
    ("GET", f"{BLOCKS}/1"),
    ("PUT", f"{BLOCKS}/1"),
    ("DELETE", f"{BLOCKS}/1"),
    ("GET", ALLOWS),
    ("POST", ALLOWS),
    ("GET", f"{ALLOWS}/1"),
    ("DELETE", f"{ALLOWS}/1"),
    ("GET", MODE),
    ("PUT", MODE),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
async def test_no_token_is_401(client: httpx.AsyncClient, method: str, url: str) -> None:
    response = await client.request(method, url, json={"domain": "evil.example"})
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
async def test_a_member_who_is_not_admin_gets_403(
    client: httpx.AsyncClient, make_user: MakeUser, pool: Any, method: str, url: str
) -> None:
    member = await make_user("member", scopes=ADMIN_SCOPES)
    response = await client.request(
        method, url, json={"domain": "evil.example", "mode": "allowlist"}, headers=member.headers
    )
    assert response.status_code == 403
    assert response.json() == {"error": "This action is not allowed"}
    async with pool.acquire() as conn:
        assert await policy.list_blocks(conn) == []
        assert await policy.list_allows(conn) == []
        assert await policy.federation_mode(conn) == "open"


async def test_an_admin_token_without_admin_scopes_gets_403(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user("admin", is_admin=True, scopes=["read", "write"])
    response = await client.get(BLOCKS, headers=admin.headers)
    assert response.status_code == 403
    assert "scopes" in response.json()["error"]


async def test_granular_scopes_are_enough(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    admin = await make_user(
        "admin", is_admin=True, scopes=["admin:read:domain_blocks", "admin:write:domain_blocks"]
    )
    await _block(client, admin, "evil.example")
    assert len(await get_json(client, BLOCKS, admin)) == 1
    assert (await client.get(ALLOWS, headers=admin.headers)).status_code == 403


async def test_create_block_returns_the_entity_and_applies_it(
    client: httpx.AsyncClient, admin: ApiUser, pool: Any
) -> None:
    victim = await remote_actor(pool, "troll", "evil.example")
    body = await _block(
        client,
        admin,
        "Evil.Example",
        severity="suspend",
        reject_media="true",
        private_comment="raids",
        public_comment="harassment",
        obfuscate=True,
    )
    assert set(body) == ADMIN_DOMAIN_BLOCK
    assert body["domain"] == "evil.example"
    assert body["severity"] == "suspend"
    assert body["reject_media"] is True and body["reject_reports"] is False
    assert body["private_comment"] == "raids" and body["public_comment"] == "harassment"
    assert body["obfuscate"] is True
    assert body["created_at"].endswith("Z") and body["id"].isdigit()
    async with pool.acquire() as conn:
        assert not await policy.may_federate(conn, "evil.example")
        # A suspension purges the domain's accounts at once.
        assert await conn.fetchval("SELECT count(*) FROM actors WHERE id = $1", victim.id) == 0
        logged = await audit.entries(conn)
    assert [(e.action, e.target, e.actor_id) for e in logged] == [
        ("domain_block.create", "evil.example", admin.actor.id)
    ]


async def test_create_defaults_to_silence_and_takes_form_parameters(
    client: httpx.AsyncClient, admin: ApiUser
) -> None:
    response = await client.post(BLOCKS, data={"domain": "loud.example"}, headers=admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["severity"] == "silence"
    assert body["private_comment"] is None and body["public_comment"] is None
    assert body["obfuscate"] is False


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({}, "Validation failed: Domain can't be blank"),
        ({"domain": "  "}, "Validation failed: Domain can't be blank"),
        ({"domain": "not a domain"}, "'not a domain' is not a valid domain"),
        ({"domain": "https://evil.example/"}, "is not a valid domain"),
        ({"domain": "ev*l.example"}, "obfuscated"),
        ({"domain": "evil.example", "severity": "block"}, "severity 'block' is not one of"),
        ({"domain": "evil.example", "reject_media": "maybe"}, "reject_media must be true or false"),
        ({"domain": "evil.example", "public_comment": "x" * 1001}, "longer than 1000"),
    ],
)
async def test_bad_input_is_422_naming_the_problem(
    client: httpx.AsyncClient, admin: ApiUser, pool: Any, fields: dict[str, Any], problem: str
) -> None:
    response = await client.post(BLOCKS, json=fields, headers=admin.headers)
    assert response.status_code == 422
    assert problem in response.json()["error"]
    async with pool.acquire() as conn:
        assert await policy.list_blocks(conn) == []


async def test_blocking_our_own_domain_is_422(
    client: httpx.AsyncClient, admin: ApiUser, node: Any
) -> None:
    response = await client.post(
        BLOCKS, json={"domain": node.settings.domain}, headers=admin.headers
    )
    assert response.status_code == 422
    assert "own domain" in response.json()["error"]


async def test_a_second_block_of_a_domain_is_422_with_the_existing_one(
    client: httpx.AsyncClient, admin: ApiUser
) -> None:
    first = await _block(client, admin, "evil.example", severity="suspend")
    again = await client.post(BLOCKS, json={"domain": "evil.example"}, headers=admin.headers)
    assert again.status_code == 422
    assert again.json()["existing_domain_block"] == first
    assert "evil.example" in again.json()["error"]
    # A subdomain block no stricter than its parent's is pointless, as in Mastodon.
    sub = await client.post(
        BLOCKS, json={"domain": "a.evil.example", "severity": "silence"}, headers=admin.headers
    )
    assert sub.status_code == 422
    assert sub.json()["existing_domain_block"]["domain"] == "evil.example"


async def test_a_stricter_subdomain_block_is_allowed(
    client: httpx.AsyncClient, admin: ApiUser
) -> None:
    await _block(client, admin, "big.example", severity="silence")
    sub = await _block(client, admin, "bad.big.example", severity="suspend")
    assert sub["domain"] == "bad.big.example"


async def test_list_is_newest_first_and_paginated(
    client: httpx.AsyncClient, admin: ApiUser
) -> None:
    made = [await _block(client, admin, f"d{n}.example") for n in range(5)]
    listed = await get_json(client, BLOCKS, admin)
    assert [b["id"] for b in listed] == [b["id"] for b in reversed(made)]
    assert all(set(b) == ADMIN_DOMAIN_BLOCK for b in listed)
    page = await client.get(f"{BLOCKS}?limit=2", headers=admin.headers)
    assert [b["domain"] for b in page.json()] == ["d4.example", "d3.example"]
    next_url = page.headers["link"].split(";")[0].strip("<>")
    following = await client.get(next_url, headers=admin.headers)
    assert [b["domain"] for b in following.json()] == ["d2.example", "d1.example"]
    newer = await get_json(client, f"{BLOCKS}?min_id={made[1]['id']}&limit=2", admin)
    assert [b["domain"] for b in newer] == ["d3.example", "d2.example"]


async def test_show_one_block_and_404s(client: httpx.AsyncClient, admin: ApiUser) -> None:
    made = await _block(client, admin, "evil.example")
    assert await get_json(client, f"{BLOCKS}/{made['id']}", admin) == made
    for missing in ("999999", "abc", "99999999999999999999999"):
        response = await client.get(f"{BLOCKS}/{missing}", headers=admin.headers)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}


async def test_update_changes_only_what_is_given(
    client: httpx.AsyncClient, admin: ApiUser, pool: Any
) -> None:
    made = await _block(client, admin, "evil.example", severity="silence", private_comment="why")
    response = await client.put(
        f"{BLOCKS}/{made['id']}",
        json={"severity": "suspend", "reject_reports": True},
        headers=admin.headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == made["id"] and body["domain"] == "evil.example"
    assert body["severity"] == "suspend" and body["reject_reports"] is True
    assert body["private_comment"] == "why" and body["reject_media"] is False
    async with pool.acquire() as conn:
        rule = await policy.rule_for(conn, "evil.example")
        assert rule is not None and rule.severity == "suspend"
        assert (await audit.entries(conn))[0].action == "domain_block.update"
    bad = await client.put(
        f"{BLOCKS}/{made['id']}", json={"severity": "nope"}, headers=admin.headers
    )
    assert bad.status_code == 422
    missing = await client.put(f"{BLOCKS}/999999", json={}, headers=admin.headers)
    assert missing.status_code == 404


async def test_delete_lifts_the_block(client: httpx.AsyncClient, admin: ApiUser, pool: Any) -> None:
    made = await _block(client, admin, "evil.example", severity="suspend")
    response = await client.delete(f"{BLOCKS}/{made['id']}", headers=admin.headers)
    assert response.status_code == 200
    assert response.json() == {}
    async with pool.acquire() as conn:
        assert await policy.rule_for(conn, "evil.example") is None
        assert await policy.may_federate(conn, "evil.example")
        assert (await audit.entries(conn))[0].action == "domain_block.destroy"
    again = await client.delete(f"{BLOCKS}/{made['id']}", headers=admin.headers)
    assert again.status_code == 404


async def test_allows_create_list_show_delete(
    client: httpx.AsyncClient, admin: ApiUser, pool: Any
) -> None:
    created = await client.post(ALLOWS, json={"domain": "Friend.Example"}, headers=admin.headers)
    assert created.status_code == 200
    allow = created.json()
    assert set(allow) == ADMIN_DOMAIN_ALLOW
    assert allow["domain"] == "friend.example"
    # Allowing it again answers with the same allow, as Mastodon does.
    again = await client.post(ALLOWS, data={"domain": "friend.example"}, headers=admin.headers)
    assert again.json() == allow
    other = (
        await client.post(ALLOWS, json={"domain": "ally.example"}, headers=admin.headers)
    ).json()
    assert [a["domain"] for a in await get_json(client, ALLOWS, admin)] == [
        "ally.example",
        "friend.example",
    ]
    assert [a["id"] for a in await get_json(client, f"{ALLOWS}?limit=1", admin)] == [other["id"]]
    assert await get_json(client, f"{ALLOWS}/{allow['id']}", admin) == allow
    deleted = await client.delete(f"{ALLOWS}/{allow['id']}", headers=admin.headers)
    assert deleted.status_code == 200
    assert deleted.json() == allow
    async with pool.acquire() as conn:
        assert await policy.list_allows(conn) == ["ally.example"]
    assert (await client.get(f"{ALLOWS}/{allow['id']}", headers=admin.headers)).status_code == 404
    gone = await client.delete(f"{ALLOWS}/{allow['id']}", headers=admin.headers)
    assert gone.status_code == 404


async def test_bad_allow_domain_is_422(client: httpx.AsyncClient, admin: ApiUser) -> None:
    blank = await client.post(ALLOWS, json={}, headers=admin.headers)
    assert blank.status_code == 422
    assert blank.json() == {"error": "Validation failed: Domain can't be blank"}
    bad = await client.post(ALLOWS, json={"domain": "no such/domain"}, headers=admin.headers)
    assert bad.status_code == 422
    assert "not a valid domain" in bad.json()["error"]


async def test_federation_mode_reads_and_switches(
    client: httpx.AsyncClient, admin: ApiUser, pool: Any
) -> None:
    assert await get_json(client, MODE, admin) == {"mode": "open"}
    await client.post(ALLOWS, json={"domain": "friend.example"}, headers=admin.headers)
    switched = await client.put(MODE, json={"mode": "allowlist"}, headers=admin.headers)
    assert switched.status_code == 200
    assert switched.json() == {"mode": "allowlist"}
    assert await get_json(client, MODE, admin) == {"mode": "allowlist"}
    async with pool.acquire() as conn:
        assert await policy.may_federate(conn, "a.friend.example")
        assert not await policy.may_federate(conn, "stranger.example")
    bad = await client.put(MODE, data={"mode": "closed"}, headers=admin.headers)
    assert bad.status_code == 422
    assert "open, allowlist" in bad.json()["error"]
    assert await get_json(client, MODE, admin) == {"mode": "allowlist"}
