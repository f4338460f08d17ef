"""Our admin API for the instance's profile and its invitations (Mastodon's API has neither).

Documented in fedi/api/openapi/fedi-v1.json. Each change is written with its audit entry in one
transaction.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.api.auth import require_admin
from fedi.api.context import api_context
from fedi.api.entities.times import api_time
from fedi.api.groups import PREFIX, path_id
from fedi.api.pagination import Page, paged_headers
from fedi.api.params import Params
from fedi.api.responses import OrjsonResponse
from fedi.db.invitations import Invitation
from fedi.domain import instance_profile, registrations
from fedi.domain.instance_profile import RESET, InstanceProfile, ProfileChange
from fedi.errors import NotFound
from fedi.urls import Urls

READ = ("admin:read",)
WRITE = ("admin:write",)
DEFAULT_LIMIT = 40
MAX_LIMIT = 200
NOT_FOUND = "Record not found"
MAX_TEXT = 10_000


def profile_to_json(profile: InstanceProfile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "description": profile.description,
        "rules": list(profile.rules),
        "registrations": profile.registrations,
        "languages": list(profile.languages),
    }


def invitation_url(urls: Urls, code: str) -> str:
    return f"{urls.base}/invite/{code}"


def invitation_to_json(urls: Urls, invitation: Invitation) -> dict[str, Any]:
    return {
        "id": str(invitation.id),
        "code": invitation.code,
        "url": invitation_url(urls, invitation.code),
        "max_uses": invitation.max_uses,
        "uses": invitation.uses,
        "expires_at": api_time(invitation.expires_at),
        "created_at": api_time(invitation.created_at),
        "revoked_at": api_time(invitation.revoked_at),
        "created_by": None if invitation.created_by is None else str(invitation.created_by),
        "usable": invitation.usable,
    }


async def show_instance(request: Request) -> Response:
    await require_admin(request, *READ)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        profile = await instance_profile.effective(conn, context.settings)
    defaults = instance_profile.defaults(context.settings)
    return OrjsonResponse({**profile_to_json(profile), "defaults": profile_to_json(defaults)})


def _text_change(params: Params, name: str) -> str | object | None:
    """A string field: absent (None), JSON null (RESET), or its text."""
    if name not in params:
        return None
    if params.raw(name) is None:
        return RESET
    return params.text(name, max_length=MAX_TEXT) or ""


def _list_change(params: Params, name: str) -> list[str] | object | None:
    if name not in params:
        return None
    if params.raw(name) is None:
        return RESET
    return params.strings(name)


async def update_instance(request: Request) -> Response:
    admin = await require_admin(request, *WRITE)
    params = await Params.read(request)
    change = ProfileChange(
        name=_text_change(params, "name"),
        description=_text_change(params, "description"),
        rules=_list_change(params, "rules"),
        registrations=_text_change(params, "registrations"),
        languages=_list_change(params, "languages"),
    )
    context = api_context(request)
    async with context.pool.acquire() as conn, conn.transaction():
        profile = await instance_profile.change(
            conn, context.settings, change, by_actor_id=admin.id
        )
    defaults = instance_profile.defaults(context.settings)
    return OrjsonResponse({**profile_to_json(profile), "defaults": profile_to_json(defaults)})


async def list_invitations(request: Request) -> Response:
    await require_admin(request, *READ)
    params = await Params.read(request)
    page = Page.from_params(params, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        found = await registrations.invitations(conn, page)
    return OrjsonResponse(
        [invitation_to_json(context.urls, invitation) for invitation in found],
        headers=paged_headers(request, [invitation.id for invitation in found]),
    )


async def create_invitation(request: Request) -> Response:
    admin = await require_admin(request, *WRITE)
    params = await Params.read(request)
    max_uses = params.integer("max_uses")
    expires_in = params.integer("expires_in")
    context = api_context(request)
    async with context.pool.acquire() as conn, conn.transaction():
        invitation = await registrations.create_invitation(
            conn, max_uses=max_uses, expires_in=expires_in, by_actor_id=admin.id
        )
    return OrjsonResponse(invitation_to_json(context.urls, invitation))


async def revoke_invitation(request: Request) -> Response:
    admin = await require_admin(request, *WRITE)
    invitation_id = path_id(request)
    context = api_context(request)
    async with context.pool.acquire() as conn, conn.transaction():
        revoked = await registrations.revoke_invitation(conn, invitation_id, by_actor_id=admin.id)
    if revoked is None:
        raise NotFound(NOT_FOUND)
    return OrjsonResponse(invitation_to_json(context.urls, revoked))


def routes() -> list[BaseRoute]:
    base = f"{PREFIX}/admin"
    return [
        Route(f"{base}/instance", show_instance, methods=["GET"]),
        Route(f"{base}/instance", update_instance, methods=["PATCH"]),
        Route(f"{base}/invitations", list_invitations, methods=["GET"]),
        Route(f"{base}/invitations", create_invitation, methods=["POST"]),
        Route(f"{base}/invitations/{{id}}", revoke_invitation, methods=["DELETE"]),
    ]
