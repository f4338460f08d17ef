"""The asyncpg pool, opened from DATABASE_URL or an embedded server."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from fedi.config import Settings
from fedi.db.embedded import EmbeddedPostgres

Pool = asyncpg.Pool
Connection = asyncpg.Connection


async def _init_connection(conn: Any) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> Any:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection
    )


@asynccontextmanager
async def open_pool(settings: Settings, *, max_size: int = 10) -> AsyncIterator[Any]:
    """A pool for the node's database, starting the embedded server first when needed."""
    embedded: EmbeddedPostgres | None = None
    dsn = settings.database_url
    if dsn is None:
        embedded = EmbeddedPostgres(settings.data_dir / "postgres")
        dsn = embedded.start()
    try:
        pool = await create_pool(dsn, max_size=max_size)
        try:
            yield pool
        finally:
            await pool.close()
    finally:
        if embedded is not None:
            embedded.stop()
