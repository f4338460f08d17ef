"""Mastodon client API: accounts."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.accounts import credential_account


async def verify_credentials(request: Request) -> Response:
    actor = await require_user(request, "read:accounts", "profile")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        return JSONResponse(await credential_account(conn, context.urls, actor))


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
    ]
