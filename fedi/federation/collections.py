"""OrderedCollections served in pages, newest first, with max_id cursors."""

from typing import Any

from activitypub.vocab import AS_CONTEXT

PAGE_SIZE = 20


def collection(collection_id: str, total: int, *, paged: bool = True) -> dict[str, Any]:
    """The collection itself: its count and, unless hidden, a link to its first page."""
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if paged:
        document["first"] = f"{collection_id}?page=true"
    return document


def page(
    collection_id: str, page_id: str, items: list[Any], next_max_id: int | None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if next_max_id is not None:
        document["next"] = f"{collection_id}?page=true&max_id={next_max_id}"
    return document


def page_cursor(query: dict[str, str]) -> tuple[bool, int | None]:
    """(is a page asked for, max_id) from the query string; a bad max_id means the first page."""
    wants_page = query.get("page") in ("true", "1")
    raw = query.get("max_id")
    max_id = int(raw) if raw is not None and raw.isdigit() and len(raw) < 19 else None
    return wants_page, max_id
