"""Queries on the instance's run-time settings (one row; no row means every default)."""

from dataclasses import dataclass, fields
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


@dataclass(frozen=True)
class StoredProfile:
    """What admins set of the instance's profile; None keeps the settings file's value."""

    name: str | None = None
    description: str | None = None
    rules: list[str] | None = None
    registrations: str | None = None
    languages: list[str] | None = None


PROFILE_FIELDS = tuple(f.name for f in fields(StoredProfile))


async def stored_profile(conn: Any, *, for_update: bool = False) -> StoredProfile:
    """The stored profile; `for_update` holds the row until the transaction ends."""
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {', '.join(PROFILE_FIELDS)} FROM instance_settings{lock}")
    return StoredProfile() if row is None else StoredProfile(**dict(row))


async def set_profile(conn: Any, profile: StoredProfile) -> None:
    """Store every field of `profile` as given (None goes back to the settings file)."""
    columns = ", ".join(PROFILE_FIELDS)
    places = ", ".join(f"${n}" for n in range(1, len(PROFILE_FIELDS) + 1))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in PROFILE_FIELDS)
    await conn.execute(
        f"INSERT INTO instance_settings (singleton, {columns}) VALUES (true, {places})"
        f" ON CONFLICT (singleton) DO UPDATE SET {updates}, updated_at = now()",
        *(getattr(profile, name) for name in PROFILE_FIELDS),
    )
