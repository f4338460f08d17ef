"""The audit log: recorded with the action it describes, read newest first by admins only."""

from pathlib import Path
from typing import Any

import httpx
import pytest

from fedi.api.auth import issue_token
from fedi.app import Node
from fedi.config import Settings
from fedi.db.database import create_pool
from fedi.db.migrate import migrate
from fedi.domain import audit
from fedi.domain.accounts import create_user
from fedi.errors import InvalidInput
from fedi.urls import Urls
from tests.conftest import DatabaseFactory
from tests.federation.nodes import NodeProcess

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def token_for(
    node: Node, username: str, *, is_admin: bool, scopes: list[str]
) -> tuple[int, dict[str, str]]:
    created = await create_user(
        node.pool, node.urls, node.settings.domain, username, is_admin=is_admin
    )
    async with node.pool.acquire() as conn:
        token, _ = await issue_token(conn, None, created.actor.id, scopes)
    return created.actor.id, {"Authorization": f"Bearer {token}"}


async def test_entries_come_back_newest_first_with_who_what_and_why(pool: Any) -> None:
    async with pool.acquire() as conn:
        await audit.record(conn, None, "domain_block.create", "domain", "bad.example", "spam wave")
        await audit.record(conn, 7, "report.resolve", "report", "12", "warned them")
        found = await audit.entries(conn)
    assert [(e.actor_id, e.action, e.target_type, e.target, e.reason) for e in found] == [
        (7, "report.resolve", "report", "12", "warned them"),
        (None, "domain_block.create", "domain", "bad.example", "spam wave"),
    ]
    assert found[0].id > found[1].id and found[0].created_at >= found[1].created_at


async def test_entries_page_back_with_max_id(pool: Any) -> None:
    async with pool.acquire() as conn:
        for n in range(5):
            await audit.record(conn, None, "test.action", "thing", str(n))
        newest = await audit.entries(conn, limit=2)
        older = await audit.entries(conn, limit=2, max_id=newest[-1].id)
        with pytest.raises(InvalidInput):
            await audit.entries(conn, limit=0)
    assert [e.target for e in newest] == ["4", "3"]
    assert [e.target for e in older] == ["2", "1"]


async def test_an_entry_goes_with_its_transaction(pool: Any) -> None:
    class Abandoned(Exception):
        pass

    async with pool.acquire() as conn:
        with pytest.raises(Abandoned):
            async with conn.transaction():
                await audit.record(conn, None, "report.resolve", "report", "1")
                raise Abandoned
        assert await audit.entries(conn) == []


async def test_admins_read_the_log_through_the_api_with_links(
    node: Node, client: httpx.AsyncClient
) -> None:
    admin_id, headers = await token_for(node, "admin", is_admin=True, scopes=["admin:read"])
    async with node.pool.acquire() as conn:
        for n in range(3):
            await audit.record(conn, admin_id, "report.assign", "report", str(n), f"because {n}")
        await audit.record(conn, None, "federation_mode.set", "instance", "allowlist")
    response = await client.get("/api/v1/admin/audit_log", headers=headers, params={"limit": 2})
    assert response.status_code == 200, response.text
    first = response.json()
    assert [(e["action"], e["target"]) for e in first] == [
        ("federation_mode.set", "allowlist"),
        ("report.assign", "2"),
    ]
    assert first[0]["account"] is None
    assert first[1]["account"]["username"] == "admin"
    assert (first[1]["target_type"], first[1]["reason"]) == ("report", "because 2")
    assert first[1]["created_at"].endswith("Z")
    assert f"max_id={first[1]['id']}" in response.headers["link"]
    rest = await client.get(
        "/api/v1/admin/audit_log", headers=headers, params={"limit": 2, "max_id": first[1]["id"]}
    )
    assert [e["target"] for e in rest.json()] == ["1", "0"]


async def test_members_may_not_read_the_log(node: Node, client: httpx.AsyncClient) -> None:
    _, headers = await token_for(node, "member", is_admin=False, scopes=["admin:read"])
    response = await client.get("/api/v1/admin/audit_log", headers=headers)
    assert (response.status_code, response.json()) == (403, {"error": "This action is not allowed"})
    assert (await client.get("/api/v1/admin/audit_log")).status_code == 401
    _, plain = await token_for(node, "root", is_admin=True, scopes=["read"])
    assert (await client.get("/api/v1/admin/audit_log", headers=plain)).status_code == 403


async def test_cli_prints_the_log(
    databases: DatabaseFactory, settings: Settings, tmp_path: Path
) -> None:
    dsn = await databases.create("audit_cli")
    pool = await create_pool(dsn, max_size=2)
    try:
        await migrate(pool)
        admin = await create_user(
            pool, Urls.for_settings(settings), settings.domain, "admin", is_admin=True
        )
        async with pool.acquire() as conn:
            await audit.record(conn, None, "domain_block.create", "domain", "bad.example")
            await audit.record(
                conn, admin.actor.id, "report.resolve", "report", "3", "removed\nthe post"
            )
    finally:
        await pool.close()
    result = NodeProcess("cli", tmp_path, database_url=dsn).cli("audit", "list")
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t")[1:] for line in result.stdout.splitlines()]
    assert lines == [
        ["@admin@fedi.test", "report.resolve", "report 3", "removed the post"],
        ["(node)", "domain_block.create", "domain bad.example", ""],
    ]
