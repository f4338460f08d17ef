"""Signing up through Mastodon's POST /api/v1/accounts under each registration mode, and admins
approving or rejecting the accounts that wait."""

from typing import Any

import httpx
import pytest
import pytest_asyncio

from fedi.app import Node
from fedi.domain import audit, instance_profile, registrations
from fedi.domain.instance_profile import ProfileChange
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json

pytestmark = pytest.mark.asyncio(loop_scope="session")

ACCOUNTS = "/api/v1/accounts"
PENDING = "/api/v2/admin/accounts?status=pending"
ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"]
PASSWORD = "a long enough password"


async def set_mode(node: Node, mode: str) -> None:
    async with node.pool.acquire() as conn, conn.transaction():
        await instance_profile.change(
            conn, node.settings, ProfileChange(registrations=mode), by_actor_id=None
        )


async def make_invitation(node: Node, admin: ApiUser, **limits: Any) -> str:
    async with node.pool.acquire() as conn:
        made = await registrations.create_invitation(
            conn,
            max_uses=limits.get("max_uses"),
            expires_in=limits.get("expires_in"),
            by_actor_id=admin.actor.id,
        )
    return made.code


@pytest_asyncio.fixture(loop_scope="session")
async def app_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """An app's own token (client credentials), as Mastodon apps sign people up with."""
    app = (
        await client.post(
            "/api/v1/apps",
            json={
                "client_name": "Signer",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": "read write",
            },
        )
    ).json()
    token = await client.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest_asyncio.fixture(loop_scope="session")
async def admin(make_user: MakeUser) -> ApiUser:
    return await make_user("admin", is_admin=True, scopes=ADMIN_SCOPES)


async def sign_up(
    client: httpx.AsyncClient, headers: dict[str, str], status: int = 200, **fields: Any
) -> Any:
    values = {"username": "newcomer", "password": PASSWORD, "agreement": True, **fields}
    response = await client.post(ACCOUNTS, json=values, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def password_grant(client: httpx.AsyncClient, username: str) -> httpx.Response:
    app = (
        await client.post(
            "/api/v1/apps",
            json={"client_name": "Login", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
        )
    ).json()
    return await client.post(
        "/oauth/token",
        json={
            "grant_type": "password",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "username": username,
            "password": PASSWORD,
        },
    )


async def count_accounts(node: Node, username: str) -> int:
    async with node.pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM actors WHERE lower(username) = lower($1)", username
            )
        )


async def test_a_token_is_needed(client: httpx.AsyncClient, node: Node) -> None:
    await set_mode(node, "open")
    response = await client.post(ACCOUNTS, json={"username": "x", "password": PASSWORD})
    assert response.status_code == 401
    assert await count_accounts(node, "x") == 0


async def test_closed_refuses_everyone_even_with_an_invitation(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    code = await make_invitation(node, admin)
    body = await sign_up(client, app_headers, 403, invite_code=code)
    assert body == {"error": "Registrations are closed."}
    assert await count_accounts(node, "newcomer") == 0


async def test_open_makes_the_account_and_a_token_that_works(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str]
) -> None:
    await set_mode(node, "open")
    body = await sign_up(client, app_headers, email="New@Example.org", locale="ar")
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert me.status_code == 200
    assert me.json()["username"] == "newcomer"
    assert (await password_grant(client, "newcomer")).status_code == 200
    # The e-mail address signs in too.
    assert (await password_grant(client, "new@example.org")).status_code == 200
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT email, locale, is_admin FROM users")
    assert dict(row) == {"email": "New@Example.org", "locale": "ar", "is_admin": False}


async def test_approval_makes_an_account_that_waits_and_cannot_sign_in(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    await set_mode(node, "approval")
    body = await sign_up(client, app_headers, reason="I work with the <b>shelter</b>.")
    assert body["identifier"] == "awaiting_approval"
    assert "access_token" not in body
    refused = await password_grant(client, "newcomer")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    # Mastodon's admin list shows it as pending, with what the person wrote.
    [pending] = await get_json(client, PENDING, admin)
    assert (pending["username"], pending["approved"]) == ("newcomer", False)
    assert pending["invite_request"] == "I work with the <b>shelter</b>."
    active = await get_json(client, "/api/v2/admin/accounts", admin, params={"origin": "local"})
    assert {account["username"]: account["approved"] for account in active} == {
        "newcomer": False,
        "admin": True,
    }


async def test_approving_lets_the_account_sign_in_and_is_audited(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    await set_mode(node, "approval")
    await sign_up(client, app_headers)
    [waiting] = await get_json(client, PENDING, admin)
    approved = await client.post(
        f"/api/v1/admin/accounts/{waiting['id']}/approve", headers=admin.headers
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved"] is True
    assert approved.json()["username"] == "newcomer"
    assert (await password_grant(client, "newcomer")).status_code == 200
    assert await get_json(client, PENDING, admin) == []
    again = await client.post(
        f"/api/v1/admin/accounts/{waiting['id']}/approve", headers=admin.headers
    )
    assert again.status_code == 403
    assert again.json() == {"error": "This account is not waiting for approval."}
    async with node.pool.acquire() as conn:
        entries = await audit.entries(conn)
    assert (entries[0].action, entries[0].target) == ("account.approve", "newcomer@fedi.test")


async def test_rejecting_removes_the_account_and_frees_its_name(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    await set_mode(node, "approval")
    await sign_up(client, app_headers)
    [waiting] = await get_json(client, PENDING, admin)
    rejected = await client.post(
        f"/api/v1/admin/accounts/{waiting['id']}/reject", headers=admin.headers
    )
    assert rejected.status_code == 200
    assert rejected.json()["approved"] is False
    assert await count_accounts(node, "newcomer") == 0
    assert (await sign_up(client, app_headers))["identifier"] == "awaiting_approval"
    async with node.pool.acquire() as conn:
        actions = [entry.action for entry in await audit.entries(conn)]
    assert "account.reject" in actions


async def test_only_admins_answer_sign_ups_and_only_waiting_ones(
    client: httpx.AsyncClient, make_user: MakeUser, admin: ApiUser, alice: ApiUser
) -> None:
    member = await make_user("member", scopes=ADMIN_SCOPES)
    for action in ("approve", "reject"):
        url = f"/api/v1/admin/accounts/{alice.actor.id}/{action}"
        assert (await client.post(url)).status_code == 401
        assert (await client.post(url, headers=member.headers)).status_code == 403
        # Alice signed up long ago: she is not waiting, and stays.
        assert (await client.post(url, headers=admin.headers)).status_code == 403
        missing = await client.post(f"/api/v1/admin/accounts/99999/{action}", headers=admin.headers)
        assert missing.status_code == 404
    assert (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).status_code == 200


async def test_invite_mode_needs_a_usable_invitation(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    await set_mode(node, "invite")
    needed = await sign_up(client, app_headers, 403)
    assert needed["error"] == "An invitation is needed to sign up here."
    wrong = await sign_up(client, app_headers, 422, invite_code="not-a-real-code")
    assert wrong["error"] == "This invitation has expired, been used up or been revoked."
    assert wrong["details"]["invite_code"][0]["error"] == "ERR_INVALID"
    code = await make_invitation(node, admin, max_uses=1)
    assert "access_token" in await sign_up(client, app_headers, invite_code=code)
    used_up = await sign_up(client, app_headers, 422, username="second", invite_code=code)
    assert used_up["error"] == "This invitation has expired, been used up or been revoked."
    assert await count_accounts(node, "second") == 0
    async with node.pool.acquire() as conn:
        uses = await conn.fetchval("SELECT uses FROM invitations WHERE code = $1", code)
    assert uses == 1


async def test_revoked_and_expired_invitations_open_nothing(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    await set_mode(node, "invite")
    revoked = await make_invitation(node, admin)
    expired = await make_invitation(node, admin, expires_in=60)
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE invitations SET revoked_at = now() WHERE code = $1", revoked)
        await conn.execute(
            "UPDATE invitations SET expires_at = now() - interval '1 s' WHERE code = $1", expired
        )
    for code in (revoked, expired):
        await sign_up(client, app_headers, 422, invite_code=code)
    assert await count_accounts(node, "newcomer") == 0


async def test_an_invitation_skips_the_wait_in_approval_mode(
    client: httpx.AsyncClient, node: Node, app_headers: dict[str, str], admin: ApiUser
) -> None:
    await set_mode(node, "approval")
    code = await make_invitation(node, admin)
    body = await sign_up(client, app_headers, invite_code=code)
    assert "access_token" in body
    assert await get_json(client, PENDING, admin) == []


async def test_a_failed_sign_up_does_not_use_up_the_invitation(
    client: httpx.AsyncClient,
    node: Node,
    app_headers: dict[str, str],
    admin: ApiUser,
    alice: ApiUser,
) -> None:
    await set_mode(node, "invite")
    code = await make_invitation(node, admin, max_uses=1)
    await sign_up(client, app_headers, 422, username="alice", invite_code=code)
    assert "access_token" in await sign_up(client, app_headers, invite_code=code)


@pytest.mark.parametrize(
    ("fields", "field", "code", "message"),
    [
        (
            {"agreement": False},
            "agreement",
            "ERR_ACCEPTED",
            "You must accept the rules to sign up.",
        ),
        ({"username": ""}, "username", "ERR_BLANK", "Choose a username."),
        (
            {"username": "no spaces"},
            "username",
            "ERR_INVALID",
            "A username has 1 to 30 letters, digits or underscores.",
        ),
        (
            {"username": "<script>"},
            "username",
            "ERR_INVALID",
            "A username has 1 to 30 letters, digits or underscores.",
        ),
        ({"username": "Admin"}, "username", "ERR_RESERVED", "This username is not available."),
        ({"username": "alice"}, "username", "ERR_TAKEN", "This username is not available."),
        ({"username": "ALICE"}, "username", "ERR_TAKEN", "This username is not available."),
        (
            {"password": "short"},
            "password",
            "ERR_TOO_SHORT",
            "The password must be at least 8 characters long.",
        ),
        (
            {"password": "p" * 1025},
            "password",
            "ERR_TOO_LONG",
            "The password must be at most 1024 characters long.",
        ),
        ({"email": "not an address"}, "email", "ERR_INVALID", "This is not an e-mail address."),
        (
            {"email": "ALICE@example.org"},
            "email",
            "ERR_TAKEN",
            "This e-mail address is already used by another account.",
        ),
        (
            {"reason": "r" * 1001},
            "reason",
            "ERR_TOO_LONG",
            "The reason must be at most 1000 characters long.",
        ),
    ],
)
async def test_bad_input_is_422_with_details_and_makes_nothing(
    client: httpx.AsyncClient,
    node: Node,
    app_headers: dict[str, str],
    alice: ApiUser,
    fields: dict[str, Any],
    field: str,
    code: str,
    message: str,
) -> None:
    await set_mode(node, "open")
    async with node.pool.acquire() as conn:
        await conn.execute("UPDATE users SET email = 'alice@example.org'")
    body = await sign_up(client, app_headers, 422, **fields)
    assert body == {"error": message, "details": {field: [{"error": code, "description": message}]}}
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM users") == 1


async def test_the_instance_says_which_mode_is_in_effect(
    client: httpx.AsyncClient, node: Node
) -> None:
    await set_mode(node, "invite")
    v1 = await get_json(client, "/api/v1/instance")
    assert (v1["registrations"], v1["approval_required"], v1["invites_enabled"]) == (
        False,
        False,
        True,
    )
    await set_mode(node, "open")
    v2 = await get_json(client, "/api/v2/instance")
    assert (v2["registrations"]["enabled"], v2["registrations"]["approval_required"]) == (
        True,
        False,
    )
    assert (await get_json(client, "/nodeinfo/2.0"))["openRegistrations"] is True
