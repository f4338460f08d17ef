"""The member's home: the composer and the home timeline, older posts a link away."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.composer import VISIBILITIES
from fedi.web.forms import max_id_cursor
from fedi.web.page import render, require_member, web_context
from fedi.web.page_api import older

PAGE_SIZE = 20


async def home(request: Request) -> Response:
    member = await require_member(request)
    api = web_context(request).api
    page = await api.call(
        "GET",
        "/api/v1/timelines/home",
        member.token,
        params={"limit": PAGE_SIZE, **max_id_cursor(request)},
    )
    groups = await api.get("/api/fedi/v1/groups", member.token, member="true")
    targets = [(f"g:{group['id']}", group["display_name"] or group["acct"]) for group in groups]
    values = {
        "statuses": page.body,
        "next_max_id": older(page, PAGE_SIZE),
        "visibilities": VISIBILITIES,
        "targets": targets,
        "default_language": request.query_params.get("language") or "",
    }
    return await render(request, "home.html", values)


def routes() -> list[BaseRoute]:
    return [Route("/home", home, methods=["GET"])]
