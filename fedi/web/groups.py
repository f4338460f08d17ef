"""Local groups served to other nodes: the Group actor, its collections and its spaces.

A public group is served as a person is. A members group is served only to signed GETs from its
members or their servers, and a confidential one to no one: both answer everyone else exactly
as a group that does not exist, so a 404 tells nothing.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from activitypub.vocab import ACTIVITY_JSON
from fedi.config import Settings
from fedi.db import account_moderation as moderation_db
from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db import served_collections as served_db
from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.db.posts import Post
from fedi.domain import group_fetch
from fedi.domain.groups import group_by_name, stricter
from fedi.errors import FediError
from fedi.federation import collections
from fedi.federation.collections import page_cursor
from fedi.federation.group_documents import (
    announce_item,
    group_to_document,
    inline_collection,
    space_to_collection,
)
from fedi.federation.stored_notes import stored_note
from fedi.web import group_pages
from fedi.web.actors import (
    FetchSigner,
    gone_response,
    is_signed,
    not_found_response,
)
from fedi.web.negotiation import wants_activity_json

# One page: (items, the max_id of the next page or None).
Page = tuple[list[Any], int | None]


def served(document: dict[str, Any], *, public: bool) -> Response:
    """An ActivityPub answer; what only members may read is never kept by a shared cache."""
    return JSONResponse(
        document,
        media_type=ACTIVITY_JSON,
        headers={
            "Vary": "Accept, Signature",
            "Cache-Control": "max-age=60" if public else "private, no-store",
        },
    )


def routes(pool: Any, settings: Settings, fetch_signer: FetchSigner) -> list[Route]:
    async def load(request: Request) -> Group | None:
        async with pool.acquire() as conn:
            return await group_by_name(conn, request.path_params["username"])

    async def admitted(
        request: Request, group: Group, visibility: str, *, content: bool
    ) -> tuple[bool, Actor | None]:
        """Whether this GET may read what has `visibility` in the group, and its signer."""
        if visibility == "public":
            # As for a person: an invalid signature, or none in authorized-fetch mode, is 401.
            return True, await fetch_signer(request)
        if visibility != "members" or not is_signed(request):
            # Confidential: not even a signature is looked at.
            return False, None
        try:
            signer = await fetch_signer(request)
        except FediError:
            # A bad signature gets the same 404 as a stranger's good one.
            return False, None
        async with pool.acquire() as conn:
            allowed = await group_fetch.may_fetch(conn, group, signer, visibility, content=content)
        return allowed, signer

    async def suspended(group: Group) -> bool:
        async with pool.acquire() as conn:
            return await moderation_db.is_suspended(conn, group.id)

    async def browsed(request: Request, page: Callable[[Request], Awaitable[Response]]) -> Response:
        """The page of a group or space for a browser: as the group API shows it to the reader
        (fedi/web/group_pages.py), or Gone for a suspended public group, as its document is."""
        group = await load(request)
        if group is not None and group.visibility == "public" and await suspended(group):
            return gone_response(request)
        return await page(request)

    async def document(request: Request) -> Response:
        if not wants_activity_json(request):
            return await browsed(request, group_pages.group_page)
        group = await load(request)
        if group is None:
            return not_found_response(request)
        allowed, _ = await admitted(request, group, group.visibility, content=False)
        if not allowed:
            return not_found_response(request)
        if await suspended(group):
            return gone_response(request)
        async with pool.acquire() as conn:
            spaces = await groups_db.spaces_of(conn, group.id)
        return served(group_to_document(group, spaces), public=group.visibility == "public")

    async def followers_page(conn: Any, group: Group, _: Any, max_id: int | None) -> Page:
        rows = await served_db.group_followers_page(
            conn, group.id, max_id=max_id, limit=collections.PAGE_SIZE
        )
        return [uri for _, uri in rows], _next(rows[-1][0] if rows else None, len(rows))

    async def members_page(conn: Any, group: Group, _: Any, max_id: int | None) -> Page:
        rows = await groups_db.members(
            conn, group.id, include_shielded=False, max_id=max_id, limit=collections.PAGE_SIZE
        )
        return [actor.uri for _, actor in rows], _next(rows[-1][1].id if rows else None, len(rows))

    async def following_page(conn: Any, group: Group, _: Any, max_id: int | None) -> Page:
        rows = await served_db.following_page(
            conn, group.id, max_id=max_id, limit=collections.PAGE_SIZE
        )
        return [uri for _, uri in rows], _next(rows[-1][0] if rows else None, len(rows))

    async def outbox_page(
        conn: Any, group: Group, visibilities: tuple[str, ...], max_id: int | None
    ) -> Page:
        posts = await served_db.group_posts_page(
            conn, group.id, visibilities, max_id=max_id, limit=collections.PAGE_SIZE
        )
        items = [announce_item(group, post) for post in posts]
        return items, _next(posts[-1].id if posts else None, len(posts))

    async def count_members(conn: Any, group: Group, _: Any) -> int:
        return await groups_db.count_members(conn, group.id, include_shielded=False)

    async def count_followers(conn: Any, group: Group, _: Any) -> int:
        return await served_db.count_group_followers(conn, group.id)

    async def count_following(conn: Any, group: Group, _: Any) -> int:
        return await served_db.count_following(conn, group.id)

    async def count_outbox(conn: Any, group: Group, visibilities: tuple[str, ...]) -> int:
        return await served_db.count_group_posts(conn, group.id, visibilities)

    paged: dict[
        str,
        tuple[
            Callable[[Any, Group, tuple[str, ...]], Awaitable[int]],
            Callable[[Any, Group, tuple[str, ...], int | None], Awaitable[Page]],
        ],
    ] = {
        "followers": (count_followers, followers_page),
        "following": (count_following, following_page),
        "members": (count_members, members_page),
        "outbox": (count_outbox, outbox_page),
    }

    async def featured_items(conn: Any, group: Group, visibilities: tuple[str, ...]) -> list[Any]:
        pinned = await groups_db.pinned_post_ids(conn, group.id)
        by_id = {p.id: p for p in await posts_db.by_ids(conn, pinned)}
        posts = [by_id[i] for i in pinned if i in by_id and by_id[i].visibility in visibilities]
        authors = {a.id: a for a in await actors_db.by_ids(conn, [p.actor_id for p in posts])}
        items: list[Any] = []
        for post in posts:
            author = authors.get(post.actor_id)
            if author is None or not post.local:
                # Someone else's post is theirs to serve: only its id here.
                items.append(post.uri)
                continue
            items.append(await _note(conn, post, author))
        return items

    async def _note(conn: Any, post: Post, author: Actor) -> dict[str, Any]:
        return await stored_note(conn, post, author, settings.base_url)

    async def collection(request: Request) -> Response:
        group = await load(request)
        name = request.path_params["collection"]
        if group is None or name not in (*paged, "moderators", "featured"):
            return not_found_response(request)
        allowed, signer = await admitted(request, group, group.visibility, content=True)
        if not allowed:
            return not_found_response(request)
        if await suspended(group):
            return gone_response(request)
        collection_id = f"{group.uri}/{name}"
        async with pool.acquire() as conn:
            visibilities = await group_fetch.post_visibilities(conn, group, signer)
            public = group.visibility == "public" and "members" not in visibilities
            if name == "moderators":
                items = await served_db.group_moderators(conn, group.id)
                return served(inline_collection(collection_id, items), public=public)
            if name == "featured":
                items = await featured_items(conn, group, visibilities)
                return served(inline_collection(collection_id, items), public=public)
            counter, pager = paged[name]
            wants_page, max_id = page_cursor(dict(request.query_params))
            hidden = group.actor.hide_collections and name != "outbox"
            if not wants_page or hidden:
                total = await counter(conn, group, visibilities)
                document = collections.collection(collection_id, total, paged=not hidden)
                return served(document, public=public)
            items, next_max_id = await pager(conn, group, visibilities, max_id)
        page_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
        page = collections.page(collection_id, page_id, items, next_max_id)
        return served(page, public=public)

    async def space(request: Request) -> Response:
        if not wants_activity_json(request):
            return await browsed(request, group_pages.space_page)
        group = await load(request)
        if group is None:
            return not_found_response(request)
        async with pool.acquire() as conn:
            found = await groups_db.space_by_slug(conn, group.id, request.path_params["slug"])
        if found is None:
            return not_found_response(request)
        # A space is never looser than its group, whatever its row says.
        visibility = stricter(group.visibility, found.visibility)
        allowed, signer = await admitted(request, group, visibility, content=True)
        if not allowed:
            return not_found_response(request)
        if await suspended(group):
            return gone_response(request)
        wants_page, max_id = page_cursor(dict(request.query_params))
        async with pool.acquire() as conn:
            visibilities = await group_fetch.post_visibilities(conn, group, signer)
            public = visibility == "public" and "members" not in visibilities
            if not wants_page:
                total = await served_db.count_group_posts(
                    conn, group.id, visibilities, space_id=found.id
                )
                return served(space_to_collection(group, found, visibility, total), public=public)
            posts = await served_db.group_posts_page(
                conn,
                group.id,
                visibilities,
                space_id=found.id,
                max_id=max_id,
                limit=collections.PAGE_SIZE,
            )
        items = [post.uri for post in posts]
        page_id = f"{found.uri}?page=true" + (f"&max_id={max_id}" if max_id else "")
        page = collections.page(
            found.uri, page_id, items, _next(posts[-1].id if posts else None, len(posts))
        )
        return served(page, public=public)

    return [
        Route("/groups/{username}", document, methods=["GET"]),
        Route("/groups/{username}/spaces/{slug}", space, methods=["GET"]),
        Route("/groups/{username}/{collection}", collection, methods=["GET"]),
    ]


def _next(last_id: int | None, count: int) -> int | None:
    """The cursor of the next page: only when this one is full."""
    return last_id if count == collections.PAGE_SIZE else None
