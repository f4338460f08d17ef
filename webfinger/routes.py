"""Serves WebFinger and host-meta for this node's actors."""

from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.hosts import InvalidHost, normalize_host
from activitypub.vocab import ACTIVITY_JSON
from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.domain.group_fetch import publicly_known

JRD = "application/jrd+json"
CORS = {"Access-Control-Allow-Origin": "*"}
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
# OStatus's remote follow: another server sends our member to this template with what to follow.
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=CORS)


def actor_jrd(actor: Actor, settings: Settings) -> dict[str, Any]:
    links: list[dict[str, Any]] = [
        {"rel": "self", "type": ACTIVITY_JSON, "href": actor.uri},
    ]
    if actor.actor_type == "Group":
        # As Lemmy answers for a community: clients tell a group from a person before fetching.
        links[0]["properties"] = {"https://www.w3.org/ns/activitystreams#type": "Group"}
    if actor.url:
        links.append({"rel": PROFILE_PAGE, "type": "text/html", "href": actor.url})
    if actor.actor_type == "Person":
        # Only a person signs in here; a group follows no one from another server's page.
        template = f"{settings.base_url}/authorize_interaction?uri={{uri}}"
        links.append({"rel": SUBSCRIBE, "template": template})
    return {
        "subject": f"acct:{actor.username}@{settings.domain}",
        "aliases": [actor.uri] + ([actor.url] if actor.url else []),
        "links": links,
    }


def routes(pool: Any, settings: Settings) -> list[Route]:
    async def local_actor_for(resource: str) -> Actor | None:
        """The local actor a resource names, or None when it names nothing of ours."""
        if resource.startswith("acct:"):
            user, sep, host = resource[5:].lstrip("@").rpartition("@")
            if not sep or not user:
                raise ValueError("an acct: resource must look like acct:name@host")
            try:
                if normalize_host(host) != settings.domain:
                    return None
            except InvalidHost as exc:
                raise ValueError(f"invalid host in resource: {exc}") from exc
            async with pool.acquire() as conn:
                return await actors_db.local_by_username(conn, user)
        if resource.startswith(("https://", "http://")):
            parts = urlsplit(resource)
            if not parts.netloc:
                raise ValueError("resource URL has no host")
            async with pool.acquire() as conn:
                actor = await actors_db.by_uri(conn, resource)
                if actor is None:
                    # A profile page URL (https://node/@name) names the same actor.
                    path = parts.path
                    if path.startswith("/@") and resource.startswith(settings.base_url + "/"):
                        actor = await actors_db.local_by_username(conn, path[2:])
            return actor if actor is not None and actor.local else None
        raise ValueError("resource must be an acct: URI or an http(s) URL")

    async def webfinger(request: Request) -> Response:
        resources = request.query_params.getlist("resource")
        if len(resources) != 1 or not resources[0].strip():
            return _error(400, "exactly one resource parameter is required")
        resource = unquote(resources[0].strip()) if "%" in resources[0] else resources[0].strip()
        try:
            actor = await local_actor_for(resource)
        except ValueError as exc:
            return _error(400, str(exc))
        if actor is None:
            return _error(404, "no such resource on this node")
        async with pool.acquire() as conn:
            # WebFinger is unsigned: a group for members only answers as no group at all.
            if not await publicly_known(conn, actor):
                return _error(404, "no such resource on this node")
            if await moderation_db.is_suspended(conn, actor.id):
                # Gone, as its actor document answers (Mastodon answers 410 once an account's
                # suspension is final; here a suspended account is withdrawn from others at once).
                return _error(410, "this account is suspended")
        jrd = actor_jrd(actor, settings)
        rels = request.query_params.getlist("rel")
        if rels:
            jrd["links"] = [link for link in jrd["links"] if link["rel"] in rels]
        return JSONResponse(jrd, media_type=JRD, headers=CORS)

    async def host_meta(request: Request) -> Response:
        template = f"{settings.base_url}/.well-known/webfinger?resource={{uri}}"
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" template="{escape(template, {chr(34): "&quot;"})}"/>\n'
            "</XRD>\n"
        )
        return Response(xml, media_type="application/xrd+xml", headers=CORS)

    async def host_meta_json(request: Request) -> Response:
        template = f"{settings.base_url}/.well-known/webfinger?resource={{uri}}"
        return JSONResponse(
            {"links": [{"rel": "lrdd", "template": template}]}, media_type=JRD, headers=CORS
        )

    return [
        Route("/.well-known/webfinger", webfinger, methods=["GET"]),
        Route("/.well-known/host-meta", host_meta, methods=["GET"]),
        Route("/.well-known/host-meta.json", host_meta_json, methods=["GET"]),
    ]
