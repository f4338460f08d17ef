"""Queries on a post's earlier versions as the edit history shows them, attachments included."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedi.db.status_views import MEDIA_COLUMNS, MediaRow


@dataclass(frozen=True)
class EarlierVersion:
    content: str
    summary: str
    sensitive: bool
    written_at: datetime
    # None where the version's attachments were not recorded (edits received from elsewhere).
    media_ids: list[int] | None


async def record_media(conn: Any, post_id: int, media_ids: list[int]) -> None:
    """Note which attachments the version just kept (the newest one) had."""
    await conn.execute(
        "UPDATE post_versions SET media_ids = $2 WHERE id ="
        " (SELECT max(id) FROM post_versions WHERE post_id = $1)",
        post_id,
        media_ids,
    )


async def earlier_versions(conn: Any, post_id: int) -> list[EarlierVersion]:
    """The post's earlier versions, oldest first."""
    rows = await conn.fetch(
        "SELECT content, summary, sensitive, written_at, media_ids FROM post_versions"
        " WHERE post_id = $1 ORDER BY id",
        post_id,
    )
    return [
        EarlierVersion(
            row["content"],
            row["summary"],
            row["sensitive"],
            row["written_at"],
            None if row["media_ids"] is None else list(row["media_ids"]),
        )
        for row in rows
    ]


async def media_by_ids(conn: Any, media_ids: list[int]) -> dict[int, MediaRow]:
    """Attachment rows by id, whether or not they are attached to a post now."""
    rows = await conn.fetch(
        f"SELECT {MEDIA_COLUMNS} FROM media_attachments WHERE id = ANY($1)", media_ids
    )
    return {row["id"]: MediaRow(**dict(row)) for row in rows}
