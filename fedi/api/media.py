"""Mastodon client API: media uploads, their description and focal point; serving the files."""

import os

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Scope

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.media import attachment_to_json
from fedi.api.params import Params
from fedi.domain import media as media_domain
from fedi.domain.media import CONTENT_TYPES, MAX_DESCRIPTION, MAX_UPLOAD_BYTES, FileTooLarge
from fedi.errors import InvalidInput, NotFound

SCOPE = "write:media"
# The file plus the other form fields and multipart framing.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 256 * 1024
TOO_LARGE = f"the upload is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"


async def _bounded_params(request: Request) -> Params:
    """The request's parameters, refusing a body past the upload limit while it streams in.

    Starlette would otherwise spool any size of multipart body to disk before we see it.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        raise FileTooLarge(TOO_LARGE)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_REQUEST_BYTES:
                raise FileTooLarge(TOO_LARGE)
        return message

    return await Params.read(Request(request.scope, receive))


def _media_id(request: Request) -> int:
    raw = request.path_params["media_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("Record not found")
    return int(raw)


def _description_and_focus(params: Params) -> tuple[str | None, tuple[float, float] | None]:
    description = params.text("description", max_length=MAX_DESCRIPTION)
    return description, media_domain.parse_focus(params.text("focus", max_length=100))


async def create(request: Request) -> Response:
    actor = await require_user(request, SCOPE)
    context = api_context(request)
    params = await _bounded_params(request)
    upload = params.file("file")
    if upload is None:
        raise InvalidInput("file is missing")
    # A custom `thumbnail` is for audio and video, which this node does not take: ignored.
    description, focus = _description_and_focus(params)
    try:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
    finally:
        await upload.close()
    row = await media_domain.upload(
        context.pool, context.media_dir, actor, data, description=description, focus=focus
    )
    # Processed before answering, so v2 answers 200 (not 202) with the finished attachment.
    return JSONResponse(attachment_to_json(row, context.urls))


async def show(request: Request) -> Response:
    actor = await require_user(request, SCOPE)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        row = await media_domain.own_unattached(conn, actor, _media_id(request))
    return JSONResponse(attachment_to_json(row, context.urls))


async def update(request: Request) -> Response:
    actor = await require_user(request, SCOPE)
    context = api_context(request)
    media_id = _media_id(request)
    params = await _bounded_params(request)
    description, focus = _description_and_focus(params)
    row = await media_domain.describe(context.pool, actor, media_id, description, focus)
    return JSONResponse(attachment_to_json(row, context.urls))


async def delete(request: Request) -> Response:
    actor = await require_user(request, SCOPE)
    context = api_context(request)
    await media_domain.delete(context.pool, context.media_dir, actor, _media_id(request))
    return JSONResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/media", create, methods=["POST"]),
        Route("/api/v2/media", create, methods=["POST"]),
        Route("/api/v1/media/{media_id}", show, methods=["GET"]),
        Route("/api/v1/media/{media_id}", update, methods=["PUT"]),
        Route("/api/v1/media/{media_id}", delete, methods=["DELETE"]),
    ]


class MediaFiles(StaticFiles):
    """Stored media, served with the type their extension (chosen by us) names, never sniffed."""

    def file_response(
        self,
        full_path: "os.PathLike[str] | str",
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        content_type = CONTENT_TYPES.get(os.path.splitext(str(full_path))[1].lower())
        if content_type is None:
            # Not a file this node wrote: never let a browser render it.
            content_type = "application/octet-stream"
            response.headers["Content-Disposition"] = "attachment"
        response.headers["Content-Type"] = content_type
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        # Names are random and files never change: caches may keep them for good.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
