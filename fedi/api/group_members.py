"""Our group API: a group's members, requests and invitations, roles and bans."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import optional_user, require_user
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.groups import member_to_json, members_to_json
from fedi.api.groups import PREFIX, group_actions, path_id, seen_group
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Membership
from fedi.domain import groups
from fedi.errors import Forbidden, InvalidInput, NotFound
from webfinger.resolver import ResolveError, parse_acct

MAX_REASON = 1_000


async def index(request: Request) -> Response:
    viewer = await optional_user(request, "read")
    params = await Params.read(request)
    state = params.text("state", "member", max_length=20) or "member"
    page = Page.from_params(params, default=40, maximum=80)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, viewer)
        shielded = await groups.member_list_shows_shielded(conn, group, viewer, state)
        rows = await groups_db.member_page(
            conn, group.id, state, include_shielded=shielded, window=page
        )
        rendered = await members_to_json(conn, context.urls, rows)
    return OrjsonResponse(rendered, headers=paged_headers(request, [a.id for _, a in rows]))


async def _render(context: ApiContext, found: Membership) -> Response:
    async with context.pool.acquire() as conn:
        actor = await actors_db.by_id(conn, found.member_id)
        assert actor is not None
        return OrjsonResponse(await member_to_json(conn, context.urls, found, actor))


async def _by_handle(context: ApiContext, group: Group, handle: str) -> Actor:
    """The account a handle names; a remote one is asked for through WebFinger, but never for
    a confidential group, which has nothing to do with other nodes."""
    text = handle.strip().removeprefix("@")
    try:
        username, domain = parse_acct(text) if "@" in text else (text, context.settings.domain)
    except ResolveError:
        raise InvalidInput(f"{handle!r} is not a handle such as name@example.org") from None
    if domain == context.settings.domain:
        async with context.pool.acquire() as conn:
            found = await actors_db.local_by_username(conn, username, "Person")
        if found is None:
            raise NotFound(f"no local account {username}")
        return found
    if group.visibility == "confidential":
        raise Forbidden("a confidential group has local members only")
    try:
        return await context.resolver.actor_by_acct(f"{username}@{domain}")
    except ResolveError:
        raise NotFound(f"no account {username}@{domain} could be found") from None


async def invite(request: Request) -> Response:
    inviter = await require_user(request, "write")
    params = await Params.read(request)
    account_id = params.text("account_id", max_length=30)
    handle = params.text("handle", max_length=300)
    if not account_id and not handle:
        raise InvalidInput("account_id or handle is required")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        group = await seen_group(conn, request, inviter)
        # Checked before any lookup, so that no one else makes this node ask other servers.
        await groups.require_role(conn, group, inviter, "moderator")
        invitee = None
        if account_id:
            number = int(account_id) if account_id.isdigit() else 0
            invitee = await actors_db.by_id(conn, number) if 0 < number < 2**63 else None
            if invitee is None:
                raise NotFound("no such account")
    if invitee is None:
        assert handle is not None
        invitee = await _by_handle(context, group, handle)
    found = await group_actions(request).invite(inviter, group.id, invitee)
    return await _render(context, found)


async def approve(request: Request) -> Response:
    moderator = await require_user(request, "write")
    found = await group_actions(request).answer_request(
        moderator, path_id(request), path_id(request, "account_id"), accept=True
    )
    return await _render(api_context(request), found)


async def reject(request: Request) -> Response:
    moderator = await require_user(request, "write")
    await group_actions(request).answer_request(
        moderator, path_id(request), path_id(request, "account_id"), accept=False
    )
    return OrjsonResponse({})


async def set_role(request: Request) -> Response:
    admin = await require_user(request, "write")
    params = await Params.read(request)
    role = params.text("role", max_length=20)
    if not role:
        raise InvalidInput("role is required: owner, admin, moderator or member")
    found = await group_actions(request).set_role(
        admin, path_id(request), path_id(request, "account_id"), role
    )
    return await _render(api_context(request), found)


async def ban(request: Request) -> Response:
    moderator = await require_user(request, "write")
    params = await Params.read(request)
    reason = (params.text("reason", "", max_length=MAX_REASON) or "").strip()
    found = await group_actions(request).ban(
        moderator, path_id(request), path_id(request, "account_id"), reason
    )
    return await _render(api_context(request), found)


async def unban(request: Request) -> Response:
    moderator = await require_user(request, "write")
    await group_actions(request).unban(moderator, path_id(request), path_id(request, "account_id"))
    return OrjsonResponse({})


def routes() -> list[BaseRoute]:
    group = f"{PREFIX}/groups/{{id}}"
    member = f"{group}/members/{{account_id}}"
    return [
        Route(f"{group}/members", index, methods=["GET"]),
        Route(f"{group}/invitations", invite, methods=["POST"]),
        Route(f"{group}/requests/{{account_id}}/approve", approve, methods=["POST"]),
        Route(f"{group}/requests/{{account_id}}/reject", reject, methods=["POST"]),
        Route(f"{member}/role", set_role, methods=["PUT"]),
        Route(f"{member}/ban", ban, methods=["POST"]),
        Route(f"{member}/unban", unban, methods=["POST"]),
    ]
