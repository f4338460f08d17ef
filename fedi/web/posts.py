"""Local posts served as ActivityPub Notes (to those allowed to see them) or as thread pages."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.group_fetch import may_fetch_post
from fedi.errors import FediError
from fedi.federation import activities
from fedi.federation.notes import with_context
from fedi.federation.stored_notes import stored_note
from fedi.web.actors import (
    FetchSigner,
    activity_response,
    gone_response,
    is_signed,
    missing_page,
)
from fedi.web.negotiation import wants_activity_json
from fedi.web.page import PageError
from fedi.web.status_pages import thread_page

NOT_FOUND = {"error": "not found"}
# Posts that never leave this node, whoever asks.
NEVER_FETCHED = frozenset({"local", "confidential"})


def routes(pool: Any, settings: Settings, fetch_signer: FetchSigner) -> list[Route]:
    async def load(request: Request) -> tuple[Post, Actor] | None:
        raw_id = request.path_params["post_id"]
        if not raw_id.isdigit() or len(raw_id) > 18:
            return None
        async with pool.acquire() as conn:
            post = await posts_db.by_id(conn, int(raw_id))
            if post is None or not post.local:
                return None
            author = await actors_db.by_id(conn, post.actor_id)
        if author is None or author.username.lower() != request.path_params["username"].lower():
            return None
        return post, author

    async def note(request: Request) -> Response:
        async with pool.acquire() as conn:
            # Before the post is looked up, as Mastodon: every id answers alike, so a suspended
            # account's answers tell nothing of which of its posts exist.
            if await moderation_db.local_suspended(conn, request.path_params["username"]):
                return gone_response(request)
        found = await load(request)
        if not wants_activity_json(request):
            if found is None:
                return await missing_page(request)
            # The thread as the API shows it to the reader: a visitor sees what an anonymous
            # caller may (public and unlisted), a member what their token may.
            try:
                page = await thread_page(request, str(found[0].id))
            except PageError:
                return await missing_page(request)
            page.headers["Vary"] = "Accept"
            return page
        if found is None:
            return JSONResponse(NOT_FOUND, status_code=404)
        post, author = found
        if post.visibility in NEVER_FETCHED:
            return JSONResponse(NOT_FOUND, status_code=404)
        if post.visibility == "members":
            # A group's members post: no signature, a bad one or a stranger's all get the 404
            # of a post that does not exist, never a "sign first" that would tell it does.
            try:
                viewer = await fetch_signer(request) if is_signed(request) else None
            except FediError:
                viewer = None
        else:
            viewer = await fetch_signer(request)
        async with pool.acquire() as conn:
            # Members posts to their members' servers only; local and confidential to no one.
            if not await may_fetch_post(conn, post, viewer):
                # The same answer as for a post that does not exist: existence is not leaked.
                return JSONResponse(NOT_FOUND, status_code=404)
            document = await stored_note(conn, post, author, settings.base_url)
        if request.url.path.endswith("/activity"):
            return activity_response(activities.create(author, document))
        return activity_response(with_context(document))

    return [
        Route("/users/{username}/statuses/{post_id}", note, methods=["GET"]),
        Route("/users/{username}/statuses/{post_id}/activity", note, methods=["GET"]),
        Route("/@{username}/{post_id}", note, methods=["GET"]),
    ]
