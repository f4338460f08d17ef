"""A hashtag's timeline, for members and visitors alike: the API decides which posts each sees."""

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import record_id
from fedi.web.page import current_member, page_not_found, render, web_context

PAGE_SIZE = 20
# A hashtag as posts carry it: letters, digits and underscores.
_TAG = re.compile(r"^\w{1,100}$")


async def tag_timeline(request: Request) -> Response:
    name = str(request.path_params["name"])
    if not _TAG.match(name):
        raise page_not_found()
    member = await current_member(request)
    max_id = record_id(request.query_params.get("max_id"))
    page = await web_context(request).api.call(
        "GET",
        f"/api/v1/timelines/tag/{name}",
        member.token if member else None,
        params={"limit": PAGE_SIZE, **({"max_id": max_id} if max_id else {})},
    )
    values = {"tag": name, "statuses": page.body, "next_max_id": page.next_max_id}
    return await render(request, "member/tag.html", values)


def routes() -> list[BaseRoute]:
    return [Route("/tags/{name}", tag_timeline, methods=["GET"])]
