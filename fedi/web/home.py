"""The member's home: the composer and the home timeline, older posts a link away."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.composer import VISIBILITIES
from fedi.web.page import render, require_member, web_context

PAGE_SIZE = 20


async def home(request: Request) -> Response:
    member = await require_member(request)
    api = web_context(request).api
    max_id = request.query_params.get("max_id")
    page = await api.call(
        "GET",
        "/api/v1/timelines/home",
        member.token,
        params={"limit": PAGE_SIZE, **({"max_id": max_id} if max_id and max_id.isdigit() else {})},
    )
    groups = await api.get("/api/fedi/v1/groups", member.token, member="true")
    targets = [(f"g:{group['id']}", group["display_name"] or group["acct"]) for group in groups]
    values = {
        "statuses": page.body,
        # The API links an older page even after a short one; only a full page may have more.
        "next_max_id": page.next_max_id if len(page.body) >= PAGE_SIZE else None,
        "visibilities": VISIBILITIES,
        "targets": targets,
        "default_language": request.query_params.get("language") or "",
    }
    return await render(request, "home.html", values)


def routes() -> list[BaseRoute]:
    return [Route("/home", home, methods=["GET"])]
