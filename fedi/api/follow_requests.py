"""Mastodon client API: answering follow requests (the list is in fedi.api.account_lists)."""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.accounts import RECORD_NOT_FOUND, path_account
from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.relationships import one_relationship
from fedi.db import follows as follows_db
from fedi.errors import NotFound


def _answer(accept: bool) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        viewer = await require_user(request, "write:follows")
        context = api_context(request)
        async with context.pool.acquire() as conn:
            requester = await path_account(conn, request)
            follow = await follows_db.between(conn, requester.id, viewer.id)
        if follow is None or follow.accepted:
            raise NotFound(RECORD_NOT_FOUND)
        await context.publisher.answer_follow(viewer, follow.id, accept=accept)
        async with context.pool.acquire() as conn:
            return JSONResponse(await one_relationship(conn, viewer, requester))

    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/follow_requests/{id:int}/authorize", _answer(True), methods=["POST"]),
        Route("/api/v1/follow_requests/{id:int}/reject", _answer(False), methods=["POST"]),
    ]
