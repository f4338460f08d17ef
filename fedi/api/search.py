"""Mastodon client API: search v2 (docs.joinmastodon.org/methods/search).

Public without `resolve` or `offset`, as since Mastodon 4.0; a token, if given, needs
read:search. Limits are per kind: 20 by default, at most 40.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import optional_user
from fedi.api.context import api_context
from fedi.api.entities.accounts import accounts_to_json
from fedi.api.entities.statuses import statuses_to_json
from fedi.api.params import Params
from fedi.api.search_lookup import Query, search
from fedi.errors import FediError, Unauthorized

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
MAX_QUERY = 500


def _count(params: Params, name: str) -> int | None:
    """A number as Rails reads one: absent is None, unreadable is 0, negative is an error."""
    text = params.text(name)
    if text is None or text == "":
        return None
    try:
        number = int(text.strip())
    except ValueError:
        return 0
    if number < 0:
        raise FediError("Pagination values for `offset` and `limit` must be positive")
    return number


async def search_v2(request: Request) -> Response:
    viewer = await optional_user(request, "read", "read:search")
    params = await Params.read(request)
    text = (params.text("q", max_length=MAX_QUERY) or "").strip()
    if not text:
        raise FediError("param is missing or the value is empty: q")
    kind = params.text("type") or None
    offset_given = _count(params, "offset")
    resolve = params.flag("resolve")
    if viewer is None and offset_given is not None:
        raise Unauthorized("Search queries pagination is not supported without authentication")
    if viewer is None and resolve:
        raise Unauthorized(
            "Search queries that resolve remote resources are not supported without authentication"
        )
    limit = _count(params, "limit")
    query = Query(
        text=text,
        kind=kind,
        resolve=resolve,
        following=params.flag("following"),
        limit=DEFAULT_LIMIT if limit is None else min(limit, MAX_LIMIT),
        # Mastodon pages only a search of one kind.
        offset=(offset_given or 0) if kind else 0,
    )
    context = api_context(request)
    found = await search(context, viewer, query)
    async with context.pool.acquire() as conn:
        accounts = await accounts_to_json(conn, context.urls, found.accounts, viewer)
        statuses = await statuses_to_json(conn, context.urls, viewer, found.post_ids)
    hashtags: list[dict[str, Any]] = []
    for name in found.hashtags:
        tag: dict[str, Any] = {"name": name, "url": f"{context.urls.base}/tags/{name}"}
        tag["history"] = []
        if viewer is not None:
            tag["following"] = False
        hashtags.append(tag)
    return JSONResponse({"accounts": accounts, "statuses": statuses, "hashtags": hashtags})


def routes() -> list[BaseRoute]:
    return [Route("/api/v2/search", search_v2, methods=["GET"])]
