"""Queries on media attachments: uploaded files waiting for a post, and those attached to one."""

from typing import Any

from fedi.db.status_views import MEDIA_COLUMNS, MediaRow

MAX_ATTACHMENTS = 4


async def insert(conn: Any, actor_id: int, **values: Any) -> MediaRow:
    columns = ["actor_id", *values]
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    row = await conn.fetchrow(
        f"INSERT INTO media_attachments ({', '.join(columns)}) VALUES ({placeholders})"
        f" RETURNING {MEDIA_COLUMNS}",
        actor_id,
        *values.values(),
    )
    return MediaRow(**dict(row))


async def by_id(conn: Any, media_id: int) -> MediaRow | None:
    row = await conn.fetchrow(
        f"SELECT {MEDIA_COLUMNS} FROM media_attachments WHERE id = $1", media_id
    )
    return None if row is None else MediaRow(**dict(row))


async def owned(conn: Any, actor_id: int, media_ids: list[int]) -> list[MediaRow]:
    """The actor's own media among `media_ids`, in the order given."""
    rows = await conn.fetch(
        f"SELECT {MEDIA_COLUMNS} FROM media_attachments WHERE actor_id = $1 AND id = ANY($2)",
        actor_id,
        media_ids,
    )
    found = {row["id"]: MediaRow(**dict(row)) for row in rows}
    return [found[i] for i in media_ids if i in found]


async def attach(conn: Any, post_id: int, media_ids: list[int]) -> None:
    """Attach media to a post in the given order (the caller checked ownership)."""
    await conn.execute(
        "UPDATE media_attachments AS m SET post_id = $1, position = o.position"
        " FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, position) WHERE m.id = o.id",
        post_id,
        media_ids,
    )


async def of_post(conn: Any, post_id: int) -> list[MediaRow]:
    rows = await conn.fetch(
        f"SELECT {MEDIA_COLUMNS} FROM media_attachments WHERE post_id = $1 ORDER BY position, id",
        post_id,
    )
    return [MediaRow(**dict(row)) for row in rows]


async def describe(
    conn: Any, media_id: int, description: str | None, focus: tuple[float, float] | None
) -> MediaRow | None:
    row = await conn.fetchrow(
        "UPDATE media_attachments SET"
        " description = coalesce($2, description),"
        " focus_x = coalesce($3, focus_x), focus_y = coalesce($4, focus_y)"
        f" WHERE id = $1 RETURNING {MEDIA_COLUMNS}",
        media_id,
        description,
        focus[0] if focus else None,
        focus[1] if focus else None,
    )
    return None if row is None else MediaRow(**dict(row))


async def remove_of_post(conn: Any, post_id: int) -> None:
    """Forget a post's media rows (a remote post's, whose edit brings a new list)."""
    await conn.execute("DELETE FROM media_attachments WHERE post_id = $1", post_id)


async def delete_unattached(conn: Any, actor_id: int, media_id: int) -> MediaRow | None:
    row = await conn.fetchrow(
        "DELETE FROM media_attachments WHERE id = $1 AND actor_id = $2 AND post_id IS NULL"
        f" RETURNING {MEDIA_COLUMNS}",
        media_id,
        actor_id,
    )
    return None if row is None else MediaRow(**dict(row))


async def detach(conn: Any, post_id: int, keep: list[int]) -> None:
    """Take a post's attachments off it, except `keep`; they become the owner's uploads again."""
    await conn.execute(
        "UPDATE media_attachments SET post_id = NULL WHERE post_id = $1 AND NOT (id = ANY($2))",
        post_id,
        keep,
    )
