"""Search: one box for accounts, hashtags and posts, through the search API.

Only a query that names something on another server (a handle or an address) makes the node
ask that server: plain words are matched against what this node already knows.
"""

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.page import render, require_member, web_context
from fedi.web.page_api import ApiRefused

RESULTS = 20
MAX_QUERY = 500  # the search API's own limit
_REMOTE = re.compile(r"^(https?://\S+|@?[^\s@]+@[^\s@/]+)$", re.IGNORECASE)


def names_remote(query: str) -> bool:
    """Whether the query is a handle (`name@server`) or an address, which may be resolved."""
    return bool(_REMOTE.match(query))


async def search(request: Request) -> Response:
    member = await require_member(request)
    query = (request.query_params.get("q") or "").strip()[:MAX_QUERY]
    found = None
    error = None
    if query:
        try:
            found = await web_context(request).api.get(
                "/api/v2/search",
                member.token,
                q=query,
                resolve="true" if names_remote(query) else "false",
                limit=RESULTS,
            )
        except ApiRefused as refused:
            error = refused.message
    values = {"query": query, "found": found, "error": error}
    return await render(request, "member/search.html", values)


def routes() -> list[BaseRoute]:
    return [Route("/search", search, methods=["GET"])]
