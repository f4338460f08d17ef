"""The web app manifest: members add the node to a phone's home screen under its own name."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.domain.instance_profile import effective_from_pool
from fedi.web.page import web_context


async def manifest(request: Request) -> Response:
    context = web_context(request)
    profile = await effective_from_pool(context.pool, context.settings)
    body = {
        "name": profile.name,
        "short_name": profile.name[:12],
        "start_url": "/home",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#24324a",
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json")


def routes() -> list[BaseRoute]:
    return [Route("/manifest.webmanifest", manifest, methods=["GET"])]
