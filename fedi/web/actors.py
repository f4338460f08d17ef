"""Local actors: the ActivityPub document or the HTML profile, and their collections."""

from collections.abc import Awaitable, Callable
from typing import Any

import nh3
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.vocab import ACTIVITY_JSON
from fedi.config import Settings
from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.federation.actor_documents import actor_to_document, empty_collection
from fedi.web.negotiation import wants_activity_json
from fedi.web.templating import templates

# Checks a signed GET in authorized-fetch mode; raises when the request must be refused.
SignedFetchCheck = Callable[[Request], Awaitable[None]]

COLLECTIONS = ("outbox", "followers", "following")


def activity_response(document: dict[str, Any]) -> Response:
    return JSONResponse(
        document,
        media_type=ACTIVITY_JSON,
        headers={"Vary": "Accept, Signature", "Cache-Control": "max-age=60"},
    )


def routes(pool: Any, settings: Settings, check_signed_fetch: SignedFetchCheck) -> list[Route]:
    async def find(actor_type: str, username: str) -> Actor | None:
        async with pool.acquire() as conn:
            return await actors_db.local_by_username(conn, username, actor_type)

    async def render(request: Request, actor: Actor | None) -> Response:
        if actor is None:
            if wants_activity_json(request):
                return JSONResponse({"error": "not found"}, status_code=404)
            return Response("Not found", status_code=404, media_type="text/plain")
        if wants_activity_json(request):
            # The instance actor stays readable unsigned: peers need its key to check ours.
            if actor.actor_type != "Application":
                await check_signed_fetch(request)
            return activity_response(actor_to_document(actor))
        return templates.TemplateResponse(
            request,
            "profile.html",
            {
                "actor": actor,
                "summary": Markup(nh3.clean(actor.summary)),  # noqa: S704 — sanitised just now
                "domain": settings.domain,
                "instance_name": settings.instance_name,
                "lang": settings.languages[0],
            },
            headers={"Vary": "Accept"},
        )

    async def person(request: Request) -> Response:
        return await render(request, await find("Person", request.path_params["username"]))

    async def group(request: Request) -> Response:
        return await render(request, await find("Group", request.path_params["username"]))

    async def profile_page(request: Request) -> Response:
        async with pool.acquire() as conn:
            actor = await actors_db.local_by_username(conn, request.path_params["username"])
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
            await check_signed_fetch(request)
            total = 0
            if name == "outbox":
                async with pool.acquire() as conn:
                    total = await posts_db.count_public_by_actor(conn, actor.id)
            return activity_response(empty_collection(f"{actor.uri}/{name}", total))

        return endpoint

    return [
        Route("/users/{username}", person, methods=["GET"]),
        Route("/groups/{username}", group, methods=["GET"]),
        Route("/@{username}", profile_page, methods=["GET"]),
        Route("/actor", instance_actor, methods=["GET"]),
        Route("/users/{username}/{collection}", collection("Person"), methods=["GET"]),
        Route("/groups/{username}/{collection}", collection("Group"), methods=["GET"]),
    ]
