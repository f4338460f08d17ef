"""Mastodon client API: accounts — the signed-in profile, any account by id, lookup and search.

A local group that the caller may not know exists (a members or confidential group they are not
in) answers every one of these exactly as an account that does not exist.
"""

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import optional_user, require_user
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.accounts import accounts_to_json, credential_account, one_account
from fedi.api.params import Params
from fedi.db import account_search
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.domain import groups
from fedi.domain.media import MAX_UPLOAD_BYTES
from fedi.domain.profiles import ProfileChange, ProfileField
from fedi.errors import InvalidInput, NotFound
from webfinger.resolver import ResolveError, parse_acct

RECORD_NOT_FOUND = "Record not found"
MAX_ROW_ID = 2**63 - 1
MAX_IDS = 40  # Mastodon's limit on ids in one GET /api/v1/accounts
FLAGS = ("locked", "bot", "discoverable", "hide_collections", "shielded")


async def may_know_of(conn: Any, viewer: Actor | None, actor: Actor) -> bool:
    """Whether the viewer may know the account exists: anyone but a local group hidden from
    them (fedi.domain.groups.may_see_group decides)."""
    if not actor.local or actor.actor_type != "Group":
        return True
    group = await groups.group_by_id(conn, actor.id)
    return group is None or await groups.may_see_group(conn, group, viewer)


async def known_accounts(conn: Any, viewer: Actor | None, actors: list[Actor]) -> list[Actor]:
    """The actors the viewer may know exist, in order."""
    return [actor for actor in actors if await may_know_of(conn, viewer, actor)]


async def account_by_id(conn: Any, account_id: int, viewer: Actor | None = None) -> Actor:
    """The account with this id, or Mastodon's 404 (also for a group hidden from the viewer;
    without a viewer, as for an anonymous caller)."""
    actor = await actors_db.by_id(conn, account_id) if 0 < account_id <= MAX_ROW_ID else None
    if actor is None or not await may_know_of(conn, viewer, actor):
        raise NotFound(RECORD_NOT_FOUND)
    return actor


async def path_account(conn: Any, request: Request, viewer: Actor | None = None) -> Actor:
    """The account named by the `{id:int}` of the route, as `account_by_id` finds it."""
    account_id: int = request.path_params["id"]
    return await account_by_id(conn, account_id, viewer)


def numeric_ids(values: list[str]) -> list[int]:
    """Ids as given, without repeats; ones that are not ids match nothing, as in Mastodon."""
    ids = [int(value) for value in values if value.isdigit() and 0 < int(value) <= MAX_ROW_ID]
    return list(dict.fromkeys(ids))


async def verify_credentials(request: Request) -> Response:
    actor = await require_user(request, "read:accounts", "profile")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        return JSONResponse(await credential_account(conn, context.urls, actor))


async def _image(params: Params, name: str) -> bytes | None:
    upload: UploadFile | None = params.file(name)
    if upload is None:
        return None
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"{name} may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return data


def _fields(params: Params) -> tuple[ProfileField, ...] | None:
    """`fields_attributes` as Rails sends it (an object keyed by index) or as a JSON list."""
    raw = params.raw("fields_attributes")
    if raw is None:
        return None
    entries = list(raw.values()) if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        raise InvalidInput("fields_attributes must be a list or an object of {name, value}")
    fields = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise InvalidInput("each of fields_attributes must have a name and a value")
        field = Params(entry)
        fields.append(ProfileField(field.text("name") or "", field.text("value") or ""))
    return tuple(fields)


def _maybe_flag(params: Params, name: str) -> bool | None:
    return params.flag(name) if params.raw(name) is not None else None


async def profile_change(params: Params) -> ProfileChange:
    source = Params(params.obj("source"))
    flags = {name: _maybe_flag(params, name) for name in FLAGS}
    return ProfileChange(
        display_name=params.text("display_name"),
        note=params.text("note"),
        avatar=await _image(params, "avatar"),
        header=await _image(params, "header"),
        fields=_fields(params),
        privacy=source.text("privacy"),
        sensitive=_maybe_flag(source, "sensitive"),
        language=source.text("language"),
        **flags,
    )


async def update_credentials(request: Request) -> Response:
    actor = await require_user(request, "write:accounts")
    change = await profile_change(await Params.read(request))
    context = api_context(request)
    updated = await context.publisher.update_profile(actor, change, context.media_dir)
    async with context.pool.acquire() as conn:
        return JSONResponse(await credential_account(conn, context.urls, updated))


async def show(request: Request) -> Response:
    viewer = await optional_user(request, "read:accounts")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        account = await path_account(conn, request, viewer)
        return JSONResponse(await one_account(conn, context.urls, account, viewer))


async def index(request: Request) -> Response:
    viewer = await optional_user(request, "read:accounts")
    params = await Params.read(request)
    ids = numeric_ids(params.strings("id", max_items=MAX_IDS))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        found = {actor.id: actor for actor in await actors_db.by_ids(conn, ids)}
        actors = await known_accounts(conn, viewer, [found[i] for i in ids if i in found])
        return JSONResponse(await accounts_to_json(conn, context.urls, actors, viewer))


async def lookup(request: Request) -> Response:
    """An account by handle. Only a signed-in caller makes this node ask another one: an
    anonymous request must not be able to send the node fetching from arbitrary hosts."""
    viewer = await optional_user(request, "read:accounts")
    params = await Params.read(request)
    acct = (params.text("acct", max_length=500) or "").strip().removeprefix("acct:").lstrip("@")
    if not acct:
        raise InvalidInput("acct is required: a username or a name@domain address")
    context = api_context(request)
    account = await _by_acct(context, acct, resolve=viewer is not None)
    async with context.pool.acquire() as conn:
        if not await may_know_of(conn, viewer, account):
            raise NotFound(RECORD_NOT_FOUND)
        return JSONResponse(await one_account(conn, context.urls, account, viewer))


async def _by_acct(context: ApiContext, acct: str, *, resolve: bool) -> Actor:
    local_domain = context.settings.domain
    if "@" not in acct:
        username, domain = acct, local_domain
    else:
        try:
            username, domain = parse_acct(acct)
        except ResolveError:
            raise NotFound(RECORD_NOT_FOUND) from None
    async with context.pool.acquire() as conn:
        if domain == local_domain:
            found = await actors_db.local_by_username(conn, username)
        else:
            found = await actors_db.by_handle(conn, username, domain)
    if found is None and resolve and domain != local_domain:
        try:
            found = await context.resolver.actor_by_acct(f"{username}@{domain}")
        except ResolveError:
            found = None
    if found is None:
        raise NotFound(RECORD_NOT_FOUND)
    return found


async def search(request: Request) -> Response:
    viewer = await require_user(request, "read:accounts")
    params = await Params.read(request)
    query = (params.text("q", max_length=500) or "").strip().lstrip("@")
    if not query:
        raise InvalidInput("q is required: the start of a name or a name@domain address")
    limit = params.integer("limit", 40, minimum=1, maximum=80, clamp=True) or 40
    offset = params.integer("offset", 0, minimum=0) or 0
    name, _, domain = query.partition("@")
    context = api_context(request)
    if params.flag("resolve") and domain and offset == 0:
        # A full address may name someone this node has never seen: ask their server first,
        # then let the same rules as for everyone else decide whether they are shown.
        try:
            await context.resolver.actor_by_acct(query)
        except ResolveError:
            pass
    async with context.pool.acquire() as conn:
        found = await account_search.search(
            conn,
            viewer,
            name,
            _search_domain(domain) if domain else None,
            following_only=params.flag("following"),
            limit=limit,
            offset=offset,
        )
        return JSONResponse(await accounts_to_json(conn, context.urls, found, viewer))


def _search_domain(domain: str) -> str:
    try:
        return parse_acct(f"x@{domain}")[1]
    except ResolveError:
        return domain.lower()


def routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
        Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH"]),
        Route("/api/v1/accounts/lookup", lookup, methods=["GET"]),
        Route("/api/v1/accounts/search", search, methods=["GET"]),
        Route("/api/v1/accounts", index, methods=["GET"]),
        Route("/api/v1/accounts/{id:int}", show, methods=["GET"]),
    ]
