"""Fixtures for the client API: local accounts with bearer tokens, and a client to call with."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from fedi.api.auth import issue_token
from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user

DEFAULT_SCOPES = ["read", "write", "follow", "push"]


@dataclass(frozen=True)
class ApiUser:
    actor: Actor
    token: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeUser = Callable[..., Coroutine[Any, Any, ApiUser]]


@pytest_asyncio.fixture(loop_scope="session")
async def make_user(node: Node) -> MakeUser:
    """Create a local account and a token for it: `await make_user("alice", scopes=[...])`."""

    async def make(
        username: str, *, scopes: list[str] | None = None, is_admin: bool = False
    ) -> ApiUser:
        created = await create_user(
            node.pool, node.urls, node.settings.domain, username, is_admin=is_admin
        )
        async with node.pool.acquire() as conn:
            token, _ = await issue_token(conn, None, created.actor.id, scopes or DEFAULT_SCOPES)
        return ApiUser(created.actor, token, created.password)

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def alice(make_user: MakeUser) -> ApiUser:
    return await make_user("alice")


@pytest_asyncio.fixture(loop_scope="session")
async def bob(make_user: MakeUser) -> ApiUser:
    return await make_user("bob")


async def get_json(
    client: httpx.AsyncClient, url: str, user: ApiUser | None = None, **kwargs: Any
) -> Any:
    """GET and return the JSON body, failing the test on a non-2xx answer."""
    response = await client.get(url, headers=user.headers if user else None, **kwargs)
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()
