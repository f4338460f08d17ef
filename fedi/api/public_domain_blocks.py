"""Mastodon client API: GET /api/v1/instance/domain_blocks, the node's public list of blocks.

Hidden (404) unless an admin chose to show it (`fedi domain public-list on`): naming whom a
node distrusts can endanger it. Obfuscated domains are partly starred; the digest still lets a
domain's own admin recognise it.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.context import api_context
from fedi.api.entities.domain_blocks import public_block_to_json
from fedi.domain import domain_lists
from fedi.errors import NotFound


async def index(request: Request) -> Response:
    async with api_context(request).pool.acquire() as conn:
        blocks = await domain_lists.public_blocklist(conn)
    if blocks is None:
        raise NotFound("Record not found")
    return JSONResponse(
        [public_block_to_json(block) for block in blocks],
        # Mastodon lets caches keep it for three minutes.
        headers={"Cache-Control": "public, max-age=180"},
    )


def routes() -> list[BaseRoute]:
    return [Route("/api/v1/instance/domain_blocks", index, methods=["GET"])]
