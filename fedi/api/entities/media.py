"""Media rows as Mastodon MediaAttachment entities."""

from typing import Any

from fedi.db.status_views import MediaRow
from fedi.domain.media import thumbnail_size
from fedi.urls import Urls

MEDIA_PATH = "/media/"


def media_url(urls: Urls, name: str | None) -> str | None:
    return None if name is None else urls.base + MEDIA_PATH + name


def _dimensions(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": width / height}


def attachment_to_json(row: MediaRow, urls: Urls) -> dict[str, Any]:
    url = media_url(urls, row.file_name) or row.remote_url
    # A remote video or audio file is no picture: clients would fail to show it as a preview.
    preview = media_url(urls, row.thumbnail_name) or (url if row.media_type == "image" else None)
    meta: dict[str, Any] = {}
    if row.width and row.height:
        meta["original"] = _dimensions(row.width, row.height)
        if row.thumbnail_name:
            meta["small"] = _dimensions(*thumbnail_size(row.width, row.height))
    meta["focus"] = {"x": row.focus_x, "y": row.focus_y}
    return {
        "id": str(row.id),
        "type": row.media_type,
        "url": url,
        "preview_url": preview,
        "remote_url": row.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": row.description or None,
        "blurhash": row.blurhash,
    }
