"""Media rows as Mastodon MediaAttachment entities."""

from typing import Any

from fedi.db.status_views import MediaRow
from fedi.urls import Urls

MEDIA_PATH = "/media/"


def media_url(urls: Urls, name: str | None) -> str | None:
    return None if name is None else urls.base + MEDIA_PATH + name


def attachment_to_json(row: MediaRow, urls: Urls) -> dict[str, Any]:
    url = media_url(urls, row.file_name) or row.remote_url
    preview = media_url(urls, row.thumbnail_name) or url
    meta: dict[str, Any] = {"focus": {"x": row.focus_x, "y": row.focus_y}}
    if row.width and row.height:
        meta["original"] = {
            "width": row.width,
            "height": row.height,
            "size": f"{row.width}x{row.height}",
            "aspect": row.width / row.height,
        }
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
