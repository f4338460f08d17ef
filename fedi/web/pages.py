"""The node's front page."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedi.config import Settings
from fedi.web.templating import templates


def routes(settings: Settings) -> list[Route]:
    async def index(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "index.html",
            {
                "instance_name": settings.instance_name,
                "description": settings.instance_description,
                "domain": settings.domain,
                "lang": settings.languages[0],
            },
        )

    return [Route("/", index, methods=["GET"])]
