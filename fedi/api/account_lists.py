"""Mastodon client API: lists of accounts — followers, follows, blocks and mutes.

They page by the id of the follow, block or mute, which only the Link header carries.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.accounts import path_account
from fedi.api.auth import optional_user, require_user
from fedi.api.context import api_context
from fedi.api.entities.accounts import accounts_to_json
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.db import account_lists, group_accounts
from fedi.db.actors import Actor
from fedi.domain import groups


async def _respond(
    request: Request, pairs: list[tuple[int, Actor]], viewer: Actor | None = None
) -> Response:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        rendered = await accounts_to_json(conn, context.urls, [actor for _, actor in pairs], viewer)
    return JSONResponse(rendered, headers=paged_headers(request, [row for row, _ in pairs]))


async def _page(request: Request) -> Page:
    return Page.from_params(await Params.read(request), default=40, maximum=80)


NetworkList = Callable[[Any, Actor, Actor | None, Page], Awaitable[list[tuple[int, Actor]]]]


def _network(reader: NetworkList) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        viewer = await optional_user(request, "read:accounts")
        page = await _page(request)
        async with api_context(request).pool.acquire() as conn:
            account = await path_account(conn, request, viewer)
            pairs = await reader(conn, account, viewer, page)
        return await _respond(request, pairs, viewer)

    return endpoint


async def followers(
    conn: Any, account: Actor, viewer: Actor | None, page: Page
) -> list[tuple[int, Actor]]:
    """A local group's followers are its approved members: listed to anyone who sees a public
    group and to fellow members of any other (shielded ones to fellow members only)."""
    group = await groups.group_by_id(conn, account.id) if account.local else None
    if group is None:
        return await account_lists.followers(conn, account, viewer, page)
    fellow = viewer is not None and await groups.is_member(conn, group.id, viewer.id)
    if group.visibility != "public" and not fellow:
        return []
    return await group_accounts.members_page(conn, group.id, viewer.id if viewer else None, page)


OwnList = Callable[[Any, int, Page], Awaitable[list[tuple[int, Actor]]]]


def _own(reader: OwnList, scope: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        viewer = await require_user(request, scope)
        page = await _page(request)
        async with api_context(request).pool.acquire() as conn:
            pairs = await reader(conn, viewer.id, page)
        return await _respond(request, pairs)

    return endpoint


def routes() -> list[BaseRoute]:
    return [
        Route(
            "/api/v1/accounts/{id:int}/followers",
            _network(followers),
            methods=["GET"],
        ),
        Route(
            "/api/v1/accounts/{id:int}/following",
            _network(account_lists.following),
            methods=["GET"],
        ),
        Route("/api/v1/blocks", _own(account_lists.blocked, "read:blocks"), methods=["GET"]),
        Route("/api/v1/mutes", _own(account_lists.muted, "read:mutes"), methods=["GET"]),
        Route(
            "/api/v1/follow_requests",
            _own(account_lists.follow_requests, "read:follows"),
            methods=["GET"],
        ),
    ]
