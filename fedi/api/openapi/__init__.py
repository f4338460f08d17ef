"""The OpenAPI 3.1 description of our group API, served at /api/fedi/v1/openapi.json."""

from functools import cache
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.responses import OrjsonResponse

DOCUMENT = Path(__file__).with_name("fedi-v1.json")


@cache
def document() -> dict[str, Any]:
    """The document as shipped; read once, since it only changes with the code."""
    loaded: dict[str, Any] = orjson.loads(DOCUMENT.read_bytes())
    return loaded


async def openapi(request: Request) -> Response:
    return OrjsonResponse(document())


def routes() -> list[BaseRoute]:
    return [Route("/api/fedi/v1/openapi.json", openapi, methods=["GET"])]
