"""`fedi` commands run as an admin runs them: real processes against a real database."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOMAIN = "cli.test"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@dataclass
class CliNode:
    """A database and a data folder for `fedi` processes, and a pool to look at what they did."""

    dsn: str
    folder: Path
    pool: Any

    async def fedi(self, *args: str) -> Run:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
        env.update(DATABASE_URL=self.dsn, FEDI_DOMAIN=DOMAIN, FEDI_DATA_DIR=str(self.folder))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "fedi.cli",
            *args,
            env=env,
            cwd=self.folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return Run(process.returncode, out.decode(), err.decode())

    async def ok(self, *args: str) -> str:
        run = await self.fedi(*args)
        assert run.code == 0, run.err
        return run.out


async def empty_tables(pool: Any) -> None:
    """Every table of a migrated database emptied, for the next test (migrations kept)."""
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_migrations'"
        )
        if tables:
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
