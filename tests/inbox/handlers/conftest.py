"""A local account and a remote one for the handler tests."""

import pytest_asyncio

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from tests.support.actors import remote_actor


@pytest_asyncio.fixture(loop_scope="session")
async def alice(node: Node) -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, "alice")).actor


@pytest_asyncio.fixture(loop_scope="session")
async def zoe(node: Node) -> Actor:
    return await remote_actor(node.pool, "zoe", "remote.example")


@pytest_asyncio.fixture(loop_scope="session")
async def mallory(node: Node) -> Actor:
    return await remote_actor(node.pool, "mallory", "evil.example")
