"""Admin API reports: list, show, assign, resolve, reopen; admins only; each action audited."""

from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi.app import Node
from fedi.config import Settings
from fedi.db import account_moderation as account_moderation_db
from fedi.db.database import create_pool
from fedi.db.migrate import migrate
from fedi.domain.accounts import create_user
from fedi.domain.posts import Draft
from fedi.urls import Urls
from tests.conftest import DatabaseFactory, make_settings
from tests.federation.nodes import NodeProcess
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"]
ADMIN_REPORT_KEYS = {
    "id",
    "action_taken",
    "action_taken_at",
    "category",
    "comment",
    "forwarded",
    "created_at",
    "updated_at",
    "account",
    "target_account",
    "assigned_account",
    "action_taken_by_account",
    "statuses",
    "rules",
}
ADMIN_ACCOUNT_KEYS = {
    "id",
    "username",
    "domain",
    "created_at",
    "email",
    "ip",
    "ips",
    "locale",
    "invite_request",
    "role",
    "confirmed",
    "approved",
    "disabled",
    "silenced",
    "suspended",
    "account",
}


@pytest.fixture
def settings() -> Settings:
    return make_settings(FEDI_RULES="Be kind.\nNo spam.")


@pytest_asyncio.fixture(loop_scope="session")
async def admin(make_user: MakeUser) -> ApiUser:
    return await make_user("admin", is_admin=True, scopes=ADMIN_SCOPES)


async def file_report(
    client: httpx.AsyncClient, reporter: ApiUser, target: ApiUser, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/reports",
        headers=reporter.headers,
        json={"account_id": str(target.actor.id), **body},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def act(
    client: httpx.AsyncClient, user: ApiUser, report_id: str, action: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/api/v1/admin/reports/{report_id}/{action}", headers=user.headers, json=body
    )


async def audit_rows(node: Node) -> list[tuple[Any, ...]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT actor_id, action, target_type, target, reason FROM audit_log ORDER BY id"
        )
    return [tuple(row) for row in rows]


async def test_show_gives_the_admin_report_entity(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    post = await node.publisher.post(bob.actor, Draft("rude words"))
    filed = await file_report(
        client, alice, bob, status_ids=[str(post.id)], rule_ids=["1"], comment="not kind"
    )
    body = await get_json(client, f"/api/v1/admin/reports/{filed['id']}", admin)
    assert set(body) >= ADMIN_REPORT_KEYS
    assert (body["id"], body["category"], body["comment"]) == (filed["id"], "violation", "not kind")
    for key in ("account", "target_account"):
        assert set(body[key]) >= ADMIN_ACCOUNT_KEYS
        assert_entity(body[key]["account"], "Account")
    assert (body["account"]["username"], body["account"]["domain"]) == ("alice", None)
    assert body["target_account"]["id"] == str(bob.actor.id)
    assert (body["assigned_account"], body["action_taken_by_account"]) == (None, None)
    assert [status["id"] for status in body["statuses"]] == [str(post.id)]
    assert_entity(body["statuses"][0], "Status")
    assert body["rules"] == [{"id": "1", "text": "Be kind.", "hint": ""}]


async def test_list_shows_open_reports_unless_asked_for_resolved(
    client: httpx.AsyncClient, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    first = await file_report(client, alice, bob, comment="first")
    second = await file_report(client, bob, alice, comment="second")
    assert (await act(client, admin, first["id"], "resolve")).status_code == 200
    open_ = await get_json(client, "/api/v1/admin/reports", admin)
    assert [r["id"] for r in open_] == [second["id"]]
    resolved = await get_json(client, "/api/v1/admin/reports", admin, params={"resolved": "true"})
    assert [r["id"] for r in resolved] == [first["id"]]


async def test_list_filters_by_reporter_and_target_newest_first_with_links(
    client: httpx.AsyncClient, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    ids = [(await file_report(client, alice, bob, comment=str(n)))["id"] for n in range(3)]
    other = await file_report(client, bob, alice)
    path = "/api/v1/admin/reports"
    by_alice = await get_json(client, path, admin, params={"account_id": str(alice.actor.id)})
    assert [r["id"] for r in by_alice] == ids[::-1]
    about_alice = await get_json(
        client, path, admin, params={"target_account_id": str(alice.actor.id)}
    )
    assert [r["id"] for r in about_alice] == [other["id"]]
    response = await client.get(path, headers=admin.headers, params={"limit": "2"})
    assert [r["id"] for r in response.json()] == [other["id"], ids[2]]
    assert f"max_id={ids[2]}" in response.headers["link"]
    rest = await get_json(client, path, admin, params={"limit": "2", "max_id": ids[2]})
    assert [r["id"] for r in rest] == [ids[1], ids[0]]


async def test_assign_unassign_resolve_reopen_each_leave_an_audit_entry(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    filed = await file_report(client, alice, bob)
    report_id = filed["id"]

    assigned = (await act(client, admin, report_id, "assign_to_self")).json()
    assert assigned["assigned_account"]["id"] == str(admin.actor.id)
    unassigned = (await act(client, admin, report_id, "unassign")).json()
    assert unassigned["assigned_account"] is None

    resolved = await act(client, admin, report_id, "resolve", note="warned the account")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["action_taken"] is True and body["action_taken_at"] is not None
    assert body["action_taken_by_account"]["id"] == str(admin.actor.id)
    assert body["action_note"] == "warned the account"

    reopened = (await act(client, admin, report_id, "reopen")).json()
    assert (reopened["action_taken"], reopened["action_taken_by_account"]) == (False, None)

    admin_id = admin.actor.id
    assert await audit_rows(node) == [
        (admin_id, "report.assign", "report", report_id, ""),
        (admin_id, "report.unassign", "report", report_id, ""),
        (admin_id, "report.resolve", "report", report_id, "warned the account"),
        (admin_id, "report.reopen", "report", report_id, ""),
    ]


async def test_a_remote_reporter_is_shown_with_its_domain(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser
) -> None:
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        report_id = await conn.fetchval(
            "INSERT INTO reports (uri, account_id, target_account_id, comment)"
            " VALUES ('https://remote.example/flags/1', $1, $2, 'from afar') RETURNING id",
            zoe.id,
            alice.actor.id,
        )
        await account_moderation_db.set_state(conn, zoe.id, "silenced", True)
    body = await get_json(client, f"/api/v1/admin/reports/{report_id}", admin)
    assert (body["account"]["username"], body["account"]["domain"]) == ("zoe", "remote.example")
    assert body["account"]["account"]["acct"] == "zoe@remote.example"
    assert (body["account"]["silenced"], body["account"]["suspended"]) == (True, False)
    assert body["target_account"]["silenced"] is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/{id}"),
        ("POST", "/{id}/assign_to_self"),
        ("POST", "/{id}/unassign"),
        ("POST", "/{id}/resolve"),
        ("POST", "/{id}/reopen"),
    ],
)
async def test_members_are_refused_and_nothing_changes(
    client: httpx.AsyncClient,
    node: Node,
    make_user: MakeUser,
    alice: ApiUser,
    bob: ApiUser,
    method: str,
    path: str,
) -> None:
    filed = await file_report(client, alice, bob)
    member = await make_user("member", scopes=ADMIN_SCOPES)  # admin scopes, but no admin
    url = "/api/v1/admin/reports" + path.format(id=filed["id"])
    response = await client.request(method, url, headers=member.headers)
    assert (response.status_code, response.json()) == (403, {"error": "This action is not allowed"})
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT assigned_account_id, action_taken_at FROM reports")
    assert tuple(row) == (None, None)
    assert await audit_rows(node) == []


async def test_an_admin_token_without_admin_scopes_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    plain = await make_user("root", is_admin=True, scopes=["read", "write"])
    response = await client.get("/api/v1/admin/reports", headers=plain.headers)
    assert response.status_code == 403
    read_only = await make_user("auditor", is_admin=True, scopes=["admin:read:reports"])
    assert (await client.get("/api/v1/admin/reports", headers=read_only.headers)).status_code == 200
    refused = await client.post("/api/v1/admin/reports/1/resolve", headers=read_only.headers)
    assert refused.status_code == 403


async def test_an_unknown_report_is_404(client: httpx.AsyncClient, admin: ApiUser) -> None:
    assert (await client.get("/api/v1/admin/reports/999", headers=admin.headers)).status_code == 404
    response = await act(client, admin, "999", "resolve")
    assert (response.status_code, response.json()) == (404, {"error": "Record not found"})


async def test_an_over_long_note_is_422_and_changes_nothing(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    filed = await file_report(client, alice, bob)
    response = await act(client, admin, filed["id"], "resolve", note="x" * 2001)
    assert response.status_code == 422
    assert "note" in response.json()["error"]
    shown = await get_json(client, f"/api/v1/admin/reports/{filed['id']}", admin)
    assert shown["action_taken"] is False
    assert await audit_rows(node) == []


async def test_cli_lists_open_reports_and_all_with_flag(
    databases: DatabaseFactory, settings: Settings, tmp_path: Path
) -> None:
    dsn = await databases.create("report_cli")
    pool = await create_pool(dsn, max_size=2)
    try:
        await migrate(pool)
        domain = settings.domain
        urls = Urls.for_settings(settings)
        alice = (await create_user(pool, urls, domain, "alice")).actor
        bob = (await create_user(pool, urls, domain, "bob")).actor
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO reports (account_id, target_account_id, comment, category,"
                " action_taken_at) VALUES ($1, $2, 'spam\nin my DMs', 'spam', NULL),"
                " ($2, $1, 'old one', 'other', now())",
                alice.id,
                bob.id,
            )
    finally:
        await pool.close()
    cli = NodeProcess("cli", tmp_path, database_url=dsn)

    shown = cli.cli("report", "list")
    assert shown.returncode == 0, shown.stderr
    (line,) = shown.stdout.splitlines()
    assert line.split("\t")[1:2] == ["open"]
    assert "@alice@fedi.test -> @bob@fedi.test" in line
    assert line.endswith("spam in my DMs")

    every = cli.cli("report", "list", "--all")
    assert every.returncode == 0, every.stderr
    assert [row.split("\t")[1] for row in every.stdout.splitlines()] == ["resolved", "open"]
