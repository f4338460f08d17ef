"""Local actors: the ActivityPub document or the profile page, and their collections."""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from activitypub.vocab import ACTIVITY_JSON
from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.db import served_collections as served_db
from fedi.db.actors import Actor
from fedi.domain.group_fetch import publicly_known
from fedi.federation import collections
from fedi.federation.actor_documents import actor_to_document
from fedi.federation.collections import page_cursor
from fedi.federation.notes import iso
from fedi.web.error_pages import error_page
from fedi.web.negotiation import wants_activity_json
from fedi.web.page import NOT_FOUND
from fedi.web.public_profiles import local_profile, remote_profile

# The verified signer of a GET, None when unsigned; raises when the signature is bad, or when
# authorized-fetch mode demands one.
FetchSigner = Callable[[Request], Awaitable[Actor | None]]


def is_signed(request: Request) -> bool:
    """Whether a GET carries a signature at all (draft-cavage or RFC 9421)."""
    return "signature" in request.headers or "signature-input" in request.headers


COLLECTIONS = ("outbox", "followers", "following")
# Shielded accounts and groups known to their members only are left out of the lists and counts.
COUNTERS: dict[str, Callable[[Any, int], Awaitable[int]]] = {
    "outbox": posts_db.count_public_by_actor,
    "followers": served_db.count_followers,
    "following": served_db.count_following,
}


async def _outbox_page(conn: Any, actor: Actor, max_id: int | None) -> tuple[list[Any], int | None]:
    posts = await posts_db.public_by_actor_page(
        conn, actor.id, max_id=max_id, limit=collections.PAGE_SIZE
    )
    items = [
        {
            "id": f"{post.uri}/activity",
            "type": "Create",
            "actor": actor.uri,
            "published": iso(post.published_at),
            "to": post.to_uris,
            "cc": post.cc_uris,
            "object": post.uri,
        }
        for post in posts
    ]
    return items, posts[-1].id if len(posts) == collections.PAGE_SIZE else None


async def _followers_page(
    conn: Any, actor: Actor, max_id: int | None
) -> tuple[list[Any], int | None]:
    rows = await served_db.followers_page(
        conn, actor.id, max_id=max_id, limit=collections.PAGE_SIZE
    )
    return [uri for _, uri in rows], rows[-1][0] if len(rows) == collections.PAGE_SIZE else None


async def _following_page(
    conn: Any, actor: Actor, max_id: int | None
) -> tuple[list[Any], int | None]:
    rows = await served_db.following_page(
        conn, actor.id, max_id=max_id, limit=collections.PAGE_SIZE
    )
    return [uri for _, uri in rows], rows[-1][0] if len(rows) == collections.PAGE_SIZE else None


PAGERS: dict[str, Callable[[Any, Actor, int | None], Awaitable[tuple[list[Any], int | None]]]] = {
    "outbox": _outbox_page,
    "followers": _followers_page,
    "following": _following_page,
}


def activity_response(document: dict[str, Any]) -> Response:
    return JSONResponse(
        document,
        media_type=ACTIVITY_JSON,
        headers={"Vary": "Accept, Signature", "Cache-Control": "max-age=60"},
    )


def gone_response(request: Request) -> Response:
    """A suspended account and everything of it: 410 Gone, so other servers drop their copies."""
    if wants_activity_json(request):
        return JSONResponse({"error": "gone"}, status_code=410)
    return Response("Gone", status_code=410, media_type="text/plain")


def not_found_response(request: Request) -> Response:
    if wants_activity_json(request):
        return JSONResponse({"error": "not found"}, status_code=404)
    return Response("Not found", status_code=404, media_type="text/plain")


async def missing_page(request: Request) -> Response:
    """Nothing by that name: JSON for servers; for browsers the error page, which does not
    repeat the address asked for, so a probe for a hidden name gets nothing of it back."""
    if wants_activity_json(request):
        return not_found_response(request)
    return await error_page(request, 404, NOT_FOUND)


def routes(pool: Any, settings: Settings, fetch_signer: FetchSigner) -> list[Route]:
    async def find(actor_type: str, username: str) -> Actor | None:
        async with pool.acquire() as conn:
            return await actors_db.local_by_username(conn, username, actor_type)

    async def suspended(actor: Actor) -> bool:
        async with pool.acquire() as conn:
            return await moderation_db.is_suspended(conn, actor.id)

    async def render(request: Request, actor: Actor | None) -> Response:
        if actor is None:
            return await missing_page(request)
        if actor.actor_type != "Application" and await suspended(actor):
            return gone_response(request)
        if wants_activity_json(request):
            # The instance actor stays readable unsigned: peers need its key to check ours.
            if actor.actor_type != "Application":
                await fetch_signer(request)
            return activity_response(actor_to_document(actor))
        if actor.actor_type == "Application":
            # The node itself, for a browser: its front page says who it is.
            return RedirectResponse("/", status_code=303)
        if actor.actor_type == "Group":
            return RedirectResponse(f"/groups/{actor.username}", status_code=303)
        return await local_profile(request, actor.id)

    async def person(request: Request) -> Response:
        return await render(request, await find("Person", request.path_params["username"]))

    async def profile_page(request: Request) -> Response:
        username = request.path_params["username"]
        if "@" in username:
            # `/@name@server`: another server's account, as members see it here.
            if wants_activity_json(request):
                return not_found_response(request)
            return await remote_profile(request, username)
        async with pool.acquire() as conn:
            actor = await actors_db.local_by_username(conn, username)
            # A group for members only is no one's to find by its name (fedi/web/groups.py
            # serves public groups; the page is the same).
            if actor is not None and not await publicly_known(conn, actor):
                actor = None
        if actor is not None and wants_activity_json(request):
            # Some servers fetch the profile URL; point them at the canonical id.
            return Response(status_code=302, headers={"Location": actor.uri})
        return await render(
            request, actor if actor is None or actor.actor_type != "Application" else None
        )

    async def instance_actor(request: Request) -> Response:
        async with pool.acquire() as conn:
            actor = await actors_db.local_by_username(conn, settings.host, "Application")
        return await render(request, actor)

    def collection(actor_type: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            actor = await find(actor_type, request.path_params["username"])
            name = request.path_params["collection"]
            if actor is None or name not in COLLECTIONS:
                return JSONResponse({"error": "not found"}, status_code=404)
            if await suspended(actor):
                return gone_response(request)
            await fetch_signer(request)
            collection_id = f"{actor.uri}/{name}"
            wants_page, max_id = page_cursor(dict(request.query_params))
            # A shielded member's own network is no one else's to read either.
            hidden = (actor.hide_collections or actor.shielded) and name != "outbox"
            async with pool.acquire() as conn:
                if not wants_page or hidden:
                    # A hidden network still shows its size, as Mastodon does, never its members.
                    total = await COUNTERS[name](conn, actor.id)
                    document = collections.collection(collection_id, total, paged=not hidden)
                    return activity_response(document)
                items, next_max_id = await PAGERS[name](conn, actor, max_id)
            page_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
            return activity_response(collections.page(collection_id, page_id, items, next_max_id))

        return endpoint

    return [
        Route("/users/{username}", person, methods=["GET"]),
        Route("/@{username}", profile_page, methods=["GET"]),
        Route("/actor", instance_actor, methods=["GET"]),
        Route("/users/{username}/{collection}", collection("Person"), methods=["GET"]),
    ]
