"""Row counts and checksums of every table, to prove that a refused input changed nothing."""

from typing import Any

# Columns a remote actor's cache refresh may touch without anything else changing.
CACHE_COLUMNS: dict[str, tuple[str, ...]] = {"actors": ("fetched_at", "key_refetched_at")}

Snapshot = dict[str, tuple[int, str]]


async def snapshot(pool: Any) -> Snapshot:
    """table -> (row count, md5 of its rows in a stable order), for every table but migrations."""
    async with pool.acquire() as conn:
        tables = [
            row["tablename"]
            for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'schema_migrations' ORDER BY tablename"
            )
        ]
        state: Snapshot = {}
        for table in tables:
            dropped = "".join(f" - '{column}'" for column in CACHE_COLUMNS.get(table, ()))
            row = await conn.fetchrow(
                f"SELECT count(*) AS n,"
                f" md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) AS sum"
                f' FROM (SELECT to_jsonb(t){dropped} AS r FROM "{table}" t) s'
            )
            state[table] = (int(row["n"]), str(row["sum"]))
    return state


def changed(before: Snapshot, after: Snapshot) -> set[str]:
    """The tables whose rows differ (a table that appeared or vanished counts too)."""
    return {
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    }


def added_rows(before: Snapshot, after: Snapshot, table: str) -> int:
    return after[table][0] - before[table][0]
