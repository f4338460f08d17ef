"""Shared fixtures: a real PostgreSQL (embedded or FEDI_TEST_DATABASE_URL) and in-process nodes."""

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio

from activitypub.client import OutboundRefused
from fedi.app import Node, create_app, running_node
from fedi.config import Settings, load_settings
from fedi.db.database import create_pool
from fedi.db.embedded import EmbeddedPostgres
from fedi.db.migrate import migrate

TEST_DOMAIN = "fedi.test"


def dsn_for_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """The server tests may create databases on."""
    configured = os.environ.get("FEDI_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with tempfile.TemporaryDirectory(prefix="fedi-test-pg-") as folder:
        server = EmbeddedPostgres(Path(folder))
        try:
            yield server.start()
        finally:
            server.stop()


class DatabaseFactory:
    """Creates fresh, empty databases on the test server; drops them at the end."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self.created: list[str] = []

    async def create(self, label: str) -> str:
        name = f"fedi_test_{os.getpid()}_{len(self.created)}_{label}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return dsn_for_database(self.admin_dsn, name)

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def databases(pg_dsn: str) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_dsn)
    yield factory
    await factory.drop_all()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def session_pool(databases: DatabaseFactory) -> AsyncIterator[Any]:
    pool = await create_pool(await databases.create("main"), max_size=5)
    await migrate(pool)
    yield pool
    await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def pool(session_pool: Any) -> Any:
    """A migrated database emptied before each test."""
    async with session_pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_migrations'"
        )
        if tables:
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return session_pool


def make_settings(**overrides: str) -> Settings:
    env = {
        "FEDI_DOMAIN": TEST_DOMAIN,
        "FEDI_SCHEME": "https",
        "FEDI_DATA_DIR": tempfile.gettempdir(),
        "DATABASE_URL": "postgresql://unused/unused",
    }
    env.update(overrides)
    return load_settings(env)


@pytest.fixture
def settings() -> Settings:
    return make_settings()


def loopback_only(url: str, body: bytes | None) -> None:
    """Tests talk to this machine only: refuse anything else before a name is even looked up."""
    host = urlsplit(url).hostname or ""
    if host != "localhost" and not host.startswith("127.") and host != "::1":
        raise OutboundRefused("tests never leave this machine", url=url)


@pytest_asyncio.fixture(loop_scope="session")
async def node(settings: Settings, pool: Any) -> AsyncIterator[Node]:
    async with running_node(settings, pool, outbound_guard=loopback_only) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the node in-process."""
    transport = httpx.ASGITransport(app=create_app(node))
    async with httpx.AsyncClient(transport=transport, base_url=node.settings.base_url) as http:
        yield http
