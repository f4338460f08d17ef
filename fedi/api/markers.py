"""Mastodon client API: markers, the saved reading position in home and notifications."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.times import api_time
from fedi.api.params import Params
from fedi.db import markers as markers_db
from fedi.db.markers import Marker
from fedi.errors import InvalidInput

MAX_ID = 2**63 - 1


def _markers_to_json(markers: list[Marker]) -> dict[str, Any]:
    return {
        marker.timeline: {
            "last_read_id": str(marker.last_read_id),
            "version": marker.version,
            "updated_at": api_time(marker.updated_at),
        }
        for marker in markers
    }


async def index(request: Request) -> Response:
    actor = await require_user(request, "read:statuses")
    wanted = [
        t for t in (await Params.read(request)).strings("timeline") if t in markers_db.TIMELINES
    ]
    async with api_context(request).pool.acquire() as conn:
        markers = await markers_db.of(conn, actor.id, wanted) if wanted else []
    return JSONResponse(_markers_to_json(markers))


def _positions(params: Params) -> dict[str, int]:
    """`home[last_read_id]` and `notifications[last_read_id]`, as given."""
    found = {}
    for timeline in markers_db.TIMELINES:
        value = params.obj(timeline).get("last_read_id")
        if value is None:
            continue
        text = str(value)
        if not text.isdigit() or int(text) > MAX_ID:
            raise InvalidInput(f"{timeline}[last_read_id] must be an id")
        found[timeline] = int(text)
    return found


async def save(request: Request) -> Response:
    actor = await require_user(request, "write:statuses")
    positions = _positions(await Params.read(request))
    async with api_context(request).pool.acquire() as conn, conn.transaction():
        saved = [
            await markers_db.save(conn, actor.id, timeline, last_read_id)
            for timeline, last_read_id in positions.items()
        ]
    return JSONResponse(_markers_to_json(saved))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/markers", index, methods=["GET"]),
        Route("/api/v1/markers", save, methods=["POST"]),
    ]
