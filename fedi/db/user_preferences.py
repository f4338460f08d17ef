"""Queries on what a local account prefers and wrote: posting defaults, bio and fields as typed."""

from typing import Any

# Columns of `users` a member changes through the profile settings.
PREFERENCE_COLUMNS = frozenset(
    {"default_visibility", "default_sensitive", "default_language", "note_source", "fields_source"}
)


async def update(conn: Any, actor_id: int, **values: Any) -> None:
    unknown = values.keys() - PREFERENCE_COLUMNS
    if unknown:
        raise ValueError(f"not preference columns: {', '.join(sorted(unknown))}")
    if not values:
        return
    columns = list(values)
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    await conn.execute(
        f"UPDATE users SET {assignments} WHERE actor_id = $1",
        actor_id,
        *(values[name] for name in columns),
    )
