"""NodeInfo 2.0 and 2.1: what software this node runs and how many use it."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fedi import __version__
from fedi.config import Settings
from fedi.db import posts as posts_db
from fedi.db import users as users_db
from fedi.domain import instance_profile

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
# Mastodon clients look for a version string they understand; this is how we say we fit.
MASTODON_COMPATIBLE_VERSION = f"4.3.0 (compatible; fedi {__version__})"


def routes(pool: Any, settings: Settings) -> list[Route]:
    async def discovery(request: Request) -> Response:
        links = [
            {"rel": SCHEMA.format(version=v), "href": f"{settings.base_url}/nodeinfo/{v}"}
            for v in ("2.0", "2.1")
        ]
        return JSONResponse({"links": links}, headers={"Access-Control-Allow-Origin": "*"})

    async def document(request: Request) -> Response:
        version = request.path_params["version"]
        if version not in ("2.0", "2.1"):
            return JSONResponse({"error": "NodeInfo versions served: 2.0, 2.1"}, status_code=404)
        async with pool.acquire() as conn:
            profile = await instance_profile.effective(conn, settings)
            total = await users_db.count(conn)
            month = await users_db.count_active_since(conn, 30)
            half_year = await users_db.count_active_since(conn, 180)
            local_posts = await posts_db.count_local(conn)
        software: dict[str, Any] = {"name": "fedi", "version": __version__}
        if version == "2.1":
            software["homepage"] = settings.base_url
        body = {
            "version": version,
            "software": software,
            "protocols": ["activitypub"],
            "services": {"inbound": [], "outbound": []},
            "openRegistrations": profile.registrations == "open",
            "usage": {
                "users": {"total": total, "activeMonth": month, "activeHalfyear": half_year},
                "localPosts": local_posts,
            },
            "metadata": {
                "nodeName": profile.name,
                "nodeDescription": profile.description,
                "languages": list(profile.languages),
                "registrationMode": profile.registrations,
                "mastodonApiVersion": MASTODON_COMPATIBLE_VERSION,
            },
        }
        media_type = f'application/json; profile="{SCHEMA.format(version=version)}#"'
        return JSONResponse(
            body, media_type=media_type, headers={"Access-Control-Allow-Origin": "*"}
        )

    return [
        Route("/.well-known/nodeinfo", discovery, methods=["GET"]),
        Route("/nodeinfo/{version:str}", document, methods=["GET"]),
    ]
