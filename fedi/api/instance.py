"""Mastodon client API: the instance, its rules, peers and activity.

docs.joinmastodon.org/methods/instance and the Instance and V1::Instance entities. Apps read
these before anything else: the limits they enforce while composing, where to stream from, and
whether sign-up is open.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi import __version__
from fedi.api.context import ApiContext, api_context
from fedi.api.entities.accounts import MISSING_HEADER, one_account
from fedi.api.entities.times import api_time
from fedi.db import actors as actors_db
from fedi.db import instance_facts
from fedi.db import posts as posts_db
from fedi.db import users as users_db
from fedi.db.media import MAX_ATTACHMENTS
from fedi.domain import instance_profile
from fedi.domain.instance_profile import InstanceProfile
from fedi.domain.media import ENCODINGS, MAX_DESCRIPTION, MAX_PIXELS, MAX_UPLOAD_BYTES
from fedi.domain.posts import MAX_CHARACTERS

# The Mastodon release whose API this one follows; apps compare version numbers.
MASTODON_VERSION = "4.3.0"
# Mastodon 4.3's API version (api_versions.mastodon).
API_VERSION = 2
# Mastodon counts every link as this many characters, whatever its length.
CHARACTERS_PER_URL = 23
# Mastodon's poll limits, reported as is: fedi does not take polls from clients yet.
POLLS = {
    "max_options": 4,
    "max_characters_per_option": 50,
    "min_expiration": 300,
    "max_expiration": 2_629_746,
}


def version() -> str:
    return f"{MASTODON_VERSION} (compatible; fedi {__version__})"


def _streaming_url(context: ApiContext) -> str:
    scheme = "wss" if context.settings.scheme == "https" else "ws"
    return f"{scheme}://{context.settings.domain}"


def _rules(profile: InstanceProfile) -> list[dict[str, Any]]:
    # A rule's id is its place in the list, as admins order them.
    return [
        {"id": str(number), "text": text, "hint": "", "translations": {}}
        for number, text in enumerate(profile.rules, start=1)
    ]


def _registrations(profile: InstanceProfile) -> tuple[bool, bool, bool]:
    """(open to sign-up, with approval, by invitation only), in Mastodon's terms."""
    mode = profile.registrations
    return mode in ("open", "approval"), mode == "approval", mode == "invite"


def _configuration(*, v2: bool) -> dict[str, Any]:
    media: dict[str, Any] = {
        "supported_mime_types": sorted({e.content_type for e in ENCODINGS.values()}),
        "image_size_limit": MAX_UPLOAD_BYTES,
        "image_matrix_limit": MAX_PIXELS,
        # No video or audio is taken; zero tells apps not to offer it.
        "video_size_limit": 0,
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
    }
    if v2:
        media["description_limit"] = MAX_DESCRIPTION
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": MAX_ATTACHMENTS,
            "characters_reserved_per_url": CHARACTERS_PER_URL,
        },
        "media_attachments": media,
        "polls": dict(POLLS),
    }


async def _contact_account(conn: Any, context: ApiContext) -> dict[str, Any] | None:
    actor_id = await instance_facts.contact_actor_id(conn)
    actor = None if actor_id is None else await actors_db.by_id(conn, actor_id)
    return None if actor is None else await one_account(conn, context.urls, actor)


async def instance_v2(request: Request) -> Response:
    context = api_context(request)
    settings = context.settings
    async with context.pool.acquire() as conn:
        profile = await instance_profile.effective(conn, settings)
        active = await users_db.count_active_since(conn, 30)
        contact = await _contact_account(conn, context)
    enabled, approval, _ = _registrations(profile)
    configuration = _configuration(v2=True)
    configuration.update(
        urls={
            "streaming": _streaming_url(context),
            "status": None,
            "about": f"{context.urls.base}/about",
            "privacy_policy": None,
            "terms_of_service": None,
        },
        vapid={"public_key": ""},
        translation={"enabled": False},
        limited_federation=False,
    )
    return JSONResponse(
        {
            "domain": settings.domain,
            "title": profile.name,
            "version": version(),
            "source_url": "",
            "description": profile.description,
            "usage": {"users": {"active_month": active}},
            "thumbnail": {
                "url": context.urls.base + MISSING_HEADER,
                "blurhash": None,
                "versions": {},
            },
            "icon": [],
            "languages": list(profile.languages),
            "configuration": configuration,
            "registrations": {
                "enabled": enabled,
                "approval_required": approval,
                "reason_required": False,
                "message": None,
                "min_age": None,
                "url": None,
            },
            "api_versions": {"mastodon": API_VERSION},
            "contact": {"email": "", "account": contact},
            "rules": _rules(profile),
        }
    )


async def instance_v1(request: Request) -> Response:
    context = api_context(request)
    settings = context.settings
    async with context.pool.acquire() as conn:
        profile = await instance_profile.effective(conn, settings)
        stats = {
            "user_count": await users_db.count(conn),
            "status_count": await posts_db.count_local(conn),
            "domain_count": await instance_facts.count_known_domains(conn),
        }
        contact = await _contact_account(conn, context)
    enabled, approval, invites = _registrations(profile)
    return JSONResponse(
        {
            "uri": settings.domain,
            "title": profile.name,
            "short_description": profile.description,
            "description": profile.description,
            "email": "",
            "version": version(),
            "urls": {"streaming_api": _streaming_url(context)},
            "stats": stats,
            "thumbnail": context.urls.base + MISSING_HEADER,
            "languages": list(profile.languages),
            "registrations": enabled,
            "approval_required": approval,
            "invites_enabled": invites,
            "configuration": _configuration(v2=False),
            "contact_account": contact,
            "rules": _rules(profile),
        }
    )


async def rules(request: Request) -> Response:
    context = api_context(request)
    profile = await instance_profile.effective_from_pool(context.pool, context.settings)
    return JSONResponse(_rules(profile))


async def peers(request: Request) -> Response:
    async with api_context(request).pool.acquire() as conn:
        return JSONResponse(await instance_facts.known_domains(conn))


async def activity(request: Request) -> Response:
    async with api_context(request).pool.acquire() as conn:
        weeks = await instance_facts.weekly_activity(conn)
    # Mastodon sends every number here as a string.
    return JSONResponse(
        [
            {
                "week": str(week.week),
                "statuses": str(week.statuses),
                "logins": str(week.logins),
                "registrations": str(week.registrations),
            }
            for week in weeks
        ]
    )


async def extended_description(request: Request) -> Response:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        started = await instance_facts.started_at(conn)
        profile = await instance_profile.effective(conn, context.settings)
    return JSONResponse(
        {
            "updated_at": api_time(started),
            "content": profile.description,
        }
    )


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for path, endpoint in (
        ("/api/v1/instance", instance_v1),
        ("/api/v2/instance", instance_v2),
    ):
        found.append(Route(path, endpoint, methods=["GET"]))
        found.append(Route(path + "/", endpoint, methods=["GET"]))
    found += [
        Route("/api/v1/instance/rules", rules, methods=["GET"]),
        Route("/api/v1/instance/peers", peers, methods=["GET"]),
        Route("/api/v1/instance/activity", activity, methods=["GET"]),
        Route("/api/v1/instance/extended_description", extended_description, methods=["GET"]),
    ]
    return found
