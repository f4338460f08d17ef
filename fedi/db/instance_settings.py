"""Queries on the instance's run-time settings (one row; no row means every default)."""

from typing import Any


async def show_domain_blocks(conn: Any) -> bool:
    return bool(await conn.fetchval("SELECT show_domain_blocks FROM instance_settings"))


async def set_show_domain_blocks(conn: Any, shown: bool) -> None:
    await conn.execute(
        "INSERT INTO instance_settings (singleton, show_domain_blocks) VALUES (true, $1)"
        " ON CONFLICT (singleton) DO UPDATE"
        " SET show_domain_blocks = EXCLUDED.show_domain_blocks, updated_at = now()",
        shown,
    )
