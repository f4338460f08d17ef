"""Migrations apply once, in order, each in its own transaction."""

from pathlib import Path
from typing import Any

import asyncpg
import pytest

from fedi.db.database import create_pool
from fedi.db.migrate import load_migrations, migrate
from tests.conftest import DatabaseFactory


def test_shipped_migrations_are_numbered_in_order() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == sorted(versions)
    assert versions[0] == 1


@pytest.mark.asyncio(loop_scope="session")
async def test_migrate_is_idempotent(databases: DatabaseFactory) -> None:
    pool = await create_pool(await databases.create("idem"), max_size=2)
    try:
        first = await migrate(pool)
        second = await migrate(pool)
        assert first == [m.version for m in load_migrations()]
        assert second == []
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(first)
    finally:
        await pool.close()


@pytest.mark.asyncio(loop_scope="session")
async def test_failing_migration_leaves_nothing_behind(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_fn();")
    pool: Any = await create_pool(await databases.create("bad"), max_size=2)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(pool, tmp_path)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT to_regclass('good') IS NOT NULL")
            assert await conn.fetchval("SELECT to_regclass('half') IS NULL")
            assert await conn.fetch("SELECT version FROM schema_migrations") == [(1,)]
    finally:
        await pool.close()
