"""Admin API accounts: list (v1 and v2), show, act (suspend, silence, sensitive, disable) and lift;
admins only; every action audited; bad input refused with nothing changed."""

from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi.app import Node
from fedi.db import account_moderation as moderation_db
from fedi.db import media as media_db
from fedi.db.actors import Actor
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.fedi.api.test_timelines import follow, stored_post
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"]
# docs.joinmastodon.org/entities/Admin_Account
ADMIN_ACCOUNT_KEYS = {
    "id",
    "username",
    "domain",
    "created_at",
    "email",
    "ip",
    "role",
    "confirmed",
    "suspended",
    "silenced",
    "sensitized",
    "disabled",
    "approved",
    "locale",
    "invite_request",
    "ips",
    "account",
}
ACTIVITY_JSON = {"Accept": "application/activity+json"}
BASE = "/api/v1/admin/accounts"


@pytest_asyncio.fixture(loop_scope="session")
async def admin(make_user: MakeUser) -> ApiUser:
    return await make_user("admin", is_admin=True, scopes=ADMIN_SCOPES)


async def act(
    client: httpx.AsyncClient, user: ApiUser, target: Actor, kind: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{target.id}/action", headers=user.headers, json={"type": kind, **body}
    )


async def lift(
    client: httpx.AsyncClient, user: ApiUser, target: Actor, kind: str
) -> dict[str, Any]:
    response = await client.post(f"{BASE}/{target.id}/{kind}", headers=user.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def audit_rows(node: Node) -> list[tuple[Any, ...]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT actor_id, action, target_type, target, reason FROM audit_log ORDER BY id"
        )
    return [tuple(row) for row in rows]


async def deliveries(node: Node) -> list[tuple[str, str, Any]]:
    """(activity type, inbox, object) of every queued delivery, oldest first."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT a.activity_type, d.inbox_url, a.document -> 'object' AS object"
            " FROM deliveries d JOIN activities a ON a.id = d.activity_id ORDER BY d.id"
        )
    return [(row["activity_type"], row["inbox_url"], row["object"]) for row in rows]


async def usernames(client: httpx.AsyncClient, user: ApiUser, path: str, **params: Any) -> list:
    return [entry["username"] for entry in await get_json(client, path, user, params=params)]


# --- who may ------------------------------------------------------------------------------


async def test_members_are_refused_and_nothing_changes(
    client: httpx.AsyncClient, node: Node, make_user: MakeUser, bob: ApiUser
) -> None:
    mallory = await make_user("mallory", scopes=ADMIN_SCOPES)
    listed = await client.get(BASE, headers=mallory.headers)
    assert listed.status_code == 403
    assert listed.json() == {"error": "This action is not allowed"}
    refused = await act(client, mallory, bob.actor, "suspend")
    assert refused.status_code == 403
    async with node.pool.acquire() as conn:
        assert not (await moderation_db.standing(conn, bob.actor.id)).suspended
    assert await audit_rows(node) == []


async def test_an_admin_token_without_admin_scopes_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser, bob: ApiUser
) -> None:
    plain = await make_user("root", is_admin=True, scopes=["read", "write"])
    response = await client.get(BASE, headers=plain.headers)
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}
    reader = await make_user("reader", is_admin=True, scopes=["admin:read"])
    assert (await client.get(BASE, headers=reader.headers)).status_code == 200
    assert (await act(client, reader, bob.actor, "silence")).status_code == 403


async def test_an_admin_cannot_act_on_another_admin(
    client: httpx.AsyncClient, make_user: MakeUser, admin: ApiUser
) -> None:
    other = await make_user("other_admin", is_admin=True, scopes=ADMIN_SCOPES)
    assert (await act(client, admin, other.actor, "suspend")).status_code == 403
    assert (await act(client, admin, admin.actor, "silence")).status_code == 403


# --- listing and showing ----------------------------------------------------------------


async def test_v1_lists_active_local_accounts_unless_told_otherwise(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    remote = await remote_actor(node.pool, "mallory")
    async with node.pool.acquire() as conn:
        await moderation_db.set_state(conn, bob.actor.id, "suspended", True)
    assert await usernames(client, admin, BASE) == ["alice", "admin"]
    assert await usernames(client, admin, BASE, remote="true") == ["mallory"]
    assert await usernames(client, admin, BASE, suspended="true") == ["bob"]
    assert await usernames(client, admin, BASE, staff="true") == ["admin"]
    assert await usernames(client, admin, BASE, username="AL") == ["alice"]
    assert await usernames(client, admin, BASE, remote="true", by_domain=remote.domain) == [
        "mallory"
    ]


async def test_v1_pages_with_link_headers(
    client: httpx.AsyncClient, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    first = await client.get(BASE, headers=admin.headers, params={"limit": 2})
    assert [a["username"] for a in first.json()] == ["bob", "alice"]
    link = first.headers["link"]
    assert f"max_id={alice.actor.id}" in link and 'rel="next"' in link
    older = await get_json(client, BASE, admin, params={"limit": 2, "max_id": alice.actor.id})
    assert [a["username"] for a in older] == ["admin"]


async def test_v2_filters_by_origin_status_and_permissions(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    remote = await remote_actor(node.pool, "mallory")
    async with node.pool.acquire() as conn:
        await moderation_db.set_state(conn, remote.id, "silenced", True)
        await moderation_db.set_state(conn, bob.actor.id, "suspended", True)
    v2 = "/api/v2/admin/accounts"
    assert await usernames(client, admin, v2) == ["mallory", "bob", "alice", "admin"]
    assert await usernames(client, admin, v2, origin="remote") == ["mallory"]
    assert await usernames(client, admin, v2, status="silenced") == ["mallory"]
    assert await usernames(client, admin, v2, origin="local", status="active") == [
        "alice",
        "admin",
    ]
    assert await usernames(client, admin, v2, permissions="staff") == ["admin"]
    assert await usernames(client, admin, v2, display_name="zzz") == []


async def test_v2_refuses_an_unknown_origin_or_status(
    client: httpx.AsyncClient, admin: ApiUser
) -> None:
    for name, value in (("origin", "mars"), ("status", "asleep")):
        response = await client.get(
            "/api/v2/admin/accounts", headers=admin.headers, params={name: value}
        )
        assert response.status_code == 422
        assert value in response.json()["error"]


async def test_show_gives_the_admin_account_entity(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser
) -> None:
    shown = await get_json(client, f"{BASE}/{alice.actor.id}", admin)
    assert set(shown) == ADMIN_ACCOUNT_KEYS
    assert_entity(shown["account"], "Account")
    assert shown["id"] == str(alice.actor.id)
    assert shown["domain"] is None
    assert (shown["confirmed"], shown["approved"], shown["disabled"]) == (True, True, False)
    assert shown["role"]["name"] == ""
    assert (await get_json(client, f"{BASE}/{admin.actor.id}", admin))["role"]["name"] == "Admin"
    remote = await remote_actor(node.pool, "mallory")
    shown_remote = await get_json(client, f"{BASE}/{remote.id}", admin)
    assert shown_remote["domain"] == "remote.example"
    assert (shown_remote["email"], shown_remote["role"], shown_remote["confirmed"]) == (
        None,
        None,
        False,
    )
    assert (await client.get(f"{BASE}/999999", headers=admin.headers)).status_code == 404


# --- suspending --------------------------------------------------------------------------


async def test_suspending_a_local_account_makes_it_gone_for_other_servers(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser
) -> None:
    follower = await remote_actor(node.pool, "fan")
    await follow(node, follower, alice.actor)
    post = await stored_post(node, alice.actor, "before")
    before = (await client.get("/users/alice", headers=ACTIVITY_JSON)).json()
    assert before["id"] == alice.actor.uri

    response = await act(client, admin, alice.actor, "suspend", text="spam wave")
    assert response.status_code == 200, response.text
    assert response.json() == {}

    assert (await client.get("/users/alice", headers=ACTIVITY_JSON)).status_code == 410
    assert (await client.get("/users/alice/followers", headers=ACTIVITY_JSON)).status_code == 410
    note = await client.get(f"/users/alice/statuses/{post.id}", headers=ACTIVITY_JSON)
    assert note.status_code == 410
    # Every id answers alike: which posts exist is not told.
    assert (
        await client.get("/users/alice/statuses/987654", headers=ACTIVITY_JSON)
    ).status_code == 410
    finger = await client.get(
        "/.well-known/webfinger", params={"resource": f"acct:alice@{node.settings.domain}"}
    )
    assert finger.status_code == 410
    assert ("Delete", "https://remote.example/inbox", alice.actor.uri) in await deliveries(node)
    assert await audit_rows(node) == [
        (admin.actor.id, "account.suspend", "account", alice.actor.handle, "spam wave")
    ]


async def test_a_suspended_account_cannot_use_its_tokens_until_unsuspended(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser
) -> None:
    follower = await remote_actor(node.pool, "fan")
    await follow(node, follower, alice.actor)
    assert (await act(client, admin, alice.actor, "suspend")).status_code == 200
    refused = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Your login is currently disabled"}

    shown = await lift(client, admin, alice.actor, "unsuspend")
    assert shown["suspended"] is False
    await get_json(client, "/api/v1/accounts/verify_credentials", alice)
    assert (await client.get("/users/alice", headers=ACTIVITY_JSON)).status_code == 200
    sent = await deliveries(node)
    assert [kind for kind, _, _ in sent] == ["Delete", "Update"]
    assert sent[1][2]["id"] == alice.actor.uri  # the actor document itself
    actions = [row[1] for row in await audit_rows(node)]
    assert actions == ["account.suspend", "account.unsuspend"]


async def test_a_suspended_account_is_hidden_from_other_members(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    await follow(node, bob.actor, alice.actor)
    await stored_post(node, alice.actor, "seen before")
    home = "/api/v1/timelines/home"
    assert len(await get_json(client, home, bob)) == 1
    assert (await act(client, admin, alice.actor, "suspend")).status_code == 200
    assert await get_json(client, home, bob) == []
    assert await get_json(client, "/api/v1/timelines/public", bob) == []


async def test_suspending_a_remote_account_purges_what_it_left_here(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser
) -> None:
    mallory = await remote_actor(node.pool, "mallory")
    await follow(node, mallory, alice.actor)
    await follow(node, alice.actor, mallory)
    theirs = await stored_post(node, mallory, "spam")
    mine = await stored_post(node, alice.actor, "hello")
    async with node.pool.acquire() as conn:
        await media_db.insert(
            conn, mallory.id, post_id=theirs.id, remote_url="https://remote.example/a.png"
        )
        await conn.execute(
            "INSERT INTO likes (uri, actor_id, post_id)"
            " VALUES ('https://remote.example/l', $1, $2)",
            mallory.id,
            mine.id,
        )
        await conn.execute(
            "INSERT INTO boosts (uri, actor_id, post_id)"
            " VALUES ('https://remote.example/b', $1, $2)",
            mallory.id,
            mine.id,
        )
        await conn.execute(
            "INSERT INTO notifications (recipient_id, notification_type, from_actor_id, post_id)"
            " VALUES ($1, 'favourite', $2, $3)",
            alice.actor.id,
            mallory.id,
            mine.id,
        )

    assert (await act(client, admin, mallory, "suspend")).status_code == 200

    async with node.pool.acquire() as conn:
        for table, column in (
            ("posts", "actor_id"),
            ("likes", "actor_id"),
            ("boosts", "actor_id"),
            ("media_attachments", "actor_id"),
            ("notifications", "from_actor_id"),
        ):
            count = await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE {column} = $1", mallory.id
            )
            assert count == 0, table
        follows = await conn.fetchval(
            "SELECT count(*) FROM follows WHERE follower_id = $1 OR followee_id = $1", mallory.id
        )
        assert follows == 0
        assert await conn.fetchval("SELECT count(*) FROM posts WHERE id = $1", mine.id) == 1
    # Mallory's server hears that its follow is rejected and alice's is undone.
    sent = {(kind, inbox) for kind, inbox, _ in await deliveries(node)}
    assert sent == {("Reject", mallory.inbox_url), ("Undo", mallory.inbox_url)}
    shown = await get_json(client, f"{BASE}/{mallory.id}", admin)
    assert shown["suspended"] is True
    assert shown["account"]["suspended"] is True


async def test_a_suspended_account_cannot_be_followed(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser
) -> None:
    mallory = await remote_actor(node.pool, "mallory")
    assert (await act(client, admin, mallory, "suspend")).status_code == 200
    response = await client.post(f"/api/v1/accounts/{mallory.id}/follow", headers=alice.headers)
    assert response.status_code == 404


# --- silencing, sensitive, disabling -----------------------------------------------------


async def test_a_silenced_account_leaves_the_public_timelines_not_its_followers_home(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    await follow(node, alice.actor, bob.actor)
    await stored_post(node, bob.actor, "loud")
    public = "/api/v1/timelines/public"
    assert len(await get_json(client, public, alice)) == 1
    assert (await act(client, admin, bob.actor, "silence")).status_code == 200
    assert await get_json(client, public, alice) == []
    assert await get_json(client, public) == []
    assert len(await get_json(client, "/api/v1/timelines/home", alice)) == 1
    shown = await lift(client, admin, bob.actor, "unsilence")
    assert shown["silenced"] is False
    assert len(await get_json(client, public, alice)) == 1


async def test_a_silenced_account_needs_approval_to_follow(
    client: httpx.AsyncClient, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    assert (await act(client, admin, bob.actor, "silence")).status_code == 200
    response = await client.post(f"/api/v1/accounts/{alice.actor.id}/follow", headers=bob.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["following"], response.json()["requested"]) == (False, True)


async def test_a_sensitized_account_has_its_media_marked_sensitive_for_others(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    post = await stored_post(node, bob.actor, "picture")
    plain = await stored_post(node, bob.actor, "words")
    async with node.pool.acquire() as conn:
        await media_db.insert(conn, bob.actor.id, post_id=post.id, remote_url="https://x.test/a")
    url = f"/api/v1/statuses/{post.id}"
    assert (await get_json(client, url, alice))["sensitive"] is False
    assert (await act(client, admin, bob.actor, "sensitive")).status_code == 200
    assert (await get_json(client, url, alice))["sensitive"] is True
    assert (await get_json(client, url))["sensitive"] is True
    assert (await get_json(client, url, bob))["sensitive"] is False  # its author sees it as is
    assert (await get_json(client, f"/api/v1/statuses/{plain.id}", alice))["sensitive"] is False
    shown = await lift(client, admin, bob.actor, "unsensitive")
    assert shown["sensitized"] is False
    assert (await get_json(client, url, alice))["sensitive"] is False


async def test_a_disabled_account_cannot_use_its_tokens_and_keeps_its_posts(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    post = await stored_post(node, bob.actor, "still here")
    assert (await act(client, admin, bob.actor, "disable")).status_code == 200
    refused = await client.get("/api/v1/timelines/home", headers=bob.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Your login is currently disabled"}
    assert (await get_json(client, f"/api/v1/statuses/{post.id}", alice))["id"] == str(post.id)
    assert (await get_json(client, f"{BASE}/{bob.actor.id}", admin))["disabled"] is True
    shown = await lift(client, admin, bob.actor, "enable")
    assert shown["disabled"] is False
    await get_json(client, "/api/v1/timelines/home", bob)


async def test_only_local_accounts_can_be_disabled_or_enabled(
    client: httpx.AsyncClient, node: Node, admin: ApiUser
) -> None:
    remote = await remote_actor(node.pool, "mallory")
    assert (await act(client, admin, remote, "disable")).status_code == 403
    response = await client.post(f"{BASE}/{remote.id}/enable", headers=admin.headers)
    assert response.status_code == 403
    assert await audit_rows(node) == []


# --- reports, warnings and bad input ----------------------------------------------------


async def test_an_action_resolves_the_reports_about_the_account(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    async with node.pool.acquire() as conn:
        report_id = await conn.fetchval(
            "INSERT INTO reports (account_id, target_account_id, comment)"
            " VALUES ($1, $2, 'rude') RETURNING id",
            alice.actor.id,
            bob.actor.id,
        )
    response = await act(client, admin, bob.actor, "silence", report_id=str(report_id))
    assert response.status_code == 200, response.text
    async with node.pool.acquire() as conn:
        resolved = await conn.fetchrow(
            "SELECT action_taken_at, action_taken_by_account_id FROM reports WHERE id = $1",
            report_id,
        )
    assert resolved["action_taken_at"] is not None
    assert resolved["action_taken_by_account_id"] == admin.actor.id
    actions = [row[1] for row in await audit_rows(node)]
    assert actions == ["report.resolve", "account.silence"]


async def test_a_warning_changes_nothing_but_is_recorded(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, bob: ApiUser
) -> None:
    response = await act(client, admin, bob.actor, "none", text="please stop")
    assert response.status_code == 200
    async with node.pool.acquire() as conn:
        standing = await moderation_db.standing(conn, bob.actor.id)
    assert not (standing.suspended or standing.silenced or standing.sensitized)
    assert await audit_rows(node) == [
        (admin.actor.id, "account.warn", "account", bob.actor.handle, "please stop")
    ]


async def test_bad_input_is_422_and_changes_nothing(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, alice: ApiUser, bob: ApiUser
) -> None:
    async with node.pool.acquire() as conn:
        other_report = await conn.fetchval(
            "INSERT INTO reports (account_id, target_account_id) VALUES ($1, $1) RETURNING id",
            alice.actor.id,
        )
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"type": "explode"}, 422, "explode"),
        ({"type": ""}, 422, "type"),
        ({"type": "suspend", "text": "x" * 6000}, 422, "text"),
        ({"type": "suspend", "report_id": "abc"}, 422, "report_id"),
        ({"type": "suspend", "report_id": str(other_report)}, 422, "report"),
        ({"type": "suspend", "report_id": "999999"}, 404, "Record not found"),
    ]
    for body, status, words in cases:
        response = await client.post(
            f"{BASE}/{bob.actor.id}/action", headers=admin.headers, json=body
        )
        assert response.status_code == status, (body, response.text)
        assert words in response.json()["error"]
    async with node.pool.acquire() as conn:
        assert not (await moderation_db.standing(conn, bob.actor.id)).suspended
    assert await audit_rows(node) == []
    assert await deliveries(node) == []
    missing = await client.post(
        f"{BASE}/424242/action", headers=admin.headers, json={"type": "suspend"}
    )
    assert missing.status_code == 404


async def test_repeating_an_action_changes_and_records_nothing_more(
    client: httpx.AsyncClient, node: Node, admin: ApiUser, bob: ApiUser
) -> None:
    for _ in range(2):
        assert (await act(client, admin, bob.actor, "silence")).status_code == 200
    assert [row[1] for row in await audit_rows(node)] == ["account.silence"]
    await lift(client, admin, bob.actor, "unsilence")
    await lift(client, admin, bob.actor, "unsilence")
    assert [row[1] for row in await audit_rows(node)] == ["account.silence", "account.unsilence"]
