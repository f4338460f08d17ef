"""Activities this node published, as sent."""

from typing import Any


async def insert(
    conn: Any, uri: str, actor_id: int, activity_type: str, object_uri: str | None, document: Any
) -> int:
    return int(
        await conn.fetchval(
            "INSERT INTO activities (uri, actor_id, activity_type, object_uri, document)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            uri,
            actor_id,
            activity_type,
            object_uri,
            document,
        )
    )


async def document_by_uri(conn: Any, uri: str) -> dict[str, Any] | None:
    value = await conn.fetchval("SELECT document FROM activities WHERE uri = $1", uri)
    return value if isinstance(value, dict) else None


async def latest_document(
    conn: Any, actor_id: int, activity_type: str, object_uri: str
) -> dict[str, Any] | None:
    """The last activity of this type the actor sent about the object (the Block an Undo
    takes back)."""
    value = await conn.fetchval(
        "SELECT document FROM activities WHERE actor_id = $1 AND activity_type = $2"
        " AND object_uri = $3 ORDER BY id DESC LIMIT 1",
        actor_id,
        activity_type,
        object_uri,
    )
    return value if isinstance(value, dict) else None
