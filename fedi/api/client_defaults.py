"""What Mastodon apps ask for as they start: the account's preferences, and lists of features
fedi does not have (filters, lists, announcements, trends...), answered empty but with the scope
checks Mastodon makes, so an app behaves as on a server where those lists are empty."""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.statuses import API_VISIBILITY
from fedi.db import users as users_db

# Path -> the scopes Mastodon accepts for it (any one), or None for a public list.
EMPTY_LISTS: dict[str, tuple[str, ...] | None] = {
    "/api/v1/announcements": ("read",),
    "/api/v1/filters": ("read", "read:filters"),
    "/api/v2/filters": ("read", "read:filters"),
    "/api/v1/lists": ("read", "read:lists"),
    "/api/v1/followed_tags": ("read", "read:follows"),
    "/api/v1/featured_tags": ("read", "read:accounts"),
    "/api/v1/featured_tags/suggestions": ("read", "read:accounts"),
    "/api/v1/conversations": ("read", "read:statuses"),
    "/api/v1/scheduled_statuses": ("read", "read:statuses"),
    "/api/v1/endorsements": ("read", "read:accounts"),
    "/api/v1/suggestions": ("read",),
    "/api/v2/suggestions": ("read",),
    "/api/v1/trends": None,
    "/api/v1/trends/tags": None,
    "/api/v1/trends/statuses": None,
    "/api/v1/trends/links": None,
    "/api/v1/custom_emojis": None,
}


def _empty_list(scopes: tuple[str, ...] | None) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        if scopes is not None:
            await require_user(request, *scopes)
        return JSONResponse([])

    return answer


async def preferences(request: Request) -> Response:
    actor = await require_user(request, "read", "read:accounts")
    async with api_context(request).pool.acquire() as conn:
        defaults = await users_db.posting_defaults(conn, actor.id)
    return JSONResponse(
        {
            "posting:default:visibility": API_VISIBILITY.get(defaults.visibility, "public"),
            "posting:default:sensitive": defaults.sensitive,
            "posting:default:language": defaults.language,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = [Route("/api/v1/preferences", preferences, methods=["GET"])]
    for path, scopes in EMPTY_LISTS.items():
        found.append(Route(path, _empty_list(scopes), methods=["GET"]))
    return found
