"""Bearer tokens and scopes, checked through verify_credentials."""

import httpx
import pytest

from tests.fedi.api.conftest import ApiUser, MakeUser

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_valid_token_signs_the_account_in(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "alice"
    assert body["acct"] == "alice"
    assert body["source"]["privacy"] == "public"


async def test_no_token_is_401_in_mastodon_form(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 401
    assert response.json() == {"error": "The access token is invalid"}


async def test_an_unknown_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401


async def test_a_token_without_the_scope_is_403(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    writer = await make_user("writer", scopes=["write"])
    response = await client.get("/api/v1/accounts/verify_credentials", headers=writer.headers)
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}


async def test_the_profile_scope_is_enough_for_verify_credentials(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    profile_only = await make_user("carol", scopes=["profile"])
    response = await client.get("/api/v1/accounts/verify_credentials", headers=profile_only.headers)
    assert response.status_code == 200
