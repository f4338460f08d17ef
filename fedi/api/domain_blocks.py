"""Mastodon client API: a member's own domain blocks, listed, added and removed."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import user_domain_blocks as blocks_db
from fedi.domain import user_domain_blocks

# Mastodon's page of domain blocks: 100 unless asked, at most 200.
PAGE_DEFAULT = 100
PAGE_MAX = 200


async def index(request: Request) -> Response:
    viewer = await require_user(request, "read:blocks")
    params = await Params.read(request)
    page = Page.from_params(params, default=PAGE_DEFAULT, maximum=PAGE_MAX)
    async with api_context(request).pool.acquire() as conn:
        rows = await blocks_db.page(conn, viewer.id, page)
    headers = paged_headers(request, [row.id for row in rows])
    return OrjsonResponse([row.domain for row in rows], headers=headers)


async def block(request: Request) -> Response:
    viewer = await require_user(request, "write:blocks")
    context = api_context(request)
    params = await Params.read(request)
    domain = user_domain_blocks.checked_domain(params.text("domain"), context.settings.domain)
    await context.publisher.block_domain_for(viewer, domain)
    return OrjsonResponse({})


async def unblock(request: Request) -> Response:
    viewer = await require_user(request, "write:blocks")
    context = api_context(request)
    params = await Params.read(request)
    domain = user_domain_blocks.checked_domain(params.text("domain"), context.settings.domain)
    async with context.pool.acquire() as conn, conn.transaction():
        await user_domain_blocks.unblock(conn, viewer, domain)
    return OrjsonResponse({})


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/domain_blocks", index, methods=["GET"]),
        Route("/api/v1/domain_blocks", block, methods=["POST"]),
        Route("/api/v1/domain_blocks", unblock, methods=["DELETE"]),
    ]
