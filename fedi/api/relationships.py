"""Mastodon client API: following, blocking and muting accounts, and how one stands to others.

Each action answers with the Relationship as it is afterwards, as Mastodon does. Following a
local group is joining it (or asking to, or taking up an invitation), unfollowing it is leaving;
a group the caller may not know exists answers 404 as a missing account does. A remote group is
followed as any remote account is: that follow is how a local account belongs to it.
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fedi.api.accounts import known_accounts, numeric_ids, path_account
from fedi.api.auth import require_user
from fedi.api.context import api_context
from fedi.api.entities.relationships import one_relationship, relationships_to_json
from fedi.api.params import Params
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import mutes as mutes_db
from fedi.db.actors import Actor
from fedi.db.relationships import FollowOptions
from fedi.domain.posts import LANGUAGE
from fedi.errors import InvalidInput
from outbox.group_actions import GroupActions

# Mastodon takes a mute's duration in seconds; 0 (or none) means until undone.
MAX_MUTE_SECONDS = 2**31 - 1


def _follow_options(params: Params) -> FollowOptions:
    """Only what the client sent: a repeated follow keeps the options it does not mention."""
    languages = None
    if params.raw("languages") is not None:
        languages = tuple(params.strings("languages"))
        wrong = [code for code in languages if not LANGUAGE.match(code)]
        if wrong:
            raise InvalidInput(f"not language codes such as 'en': {', '.join(wrong)}")
    return FollowOptions(
        show_reblogs=params.flag("reblogs") if params.raw("reblogs") is not None else None,
        notify=params.flag("notify") if params.raw("notify") is not None else None,
        languages=languages,
    )


async def _answer(request: Request, viewer: Actor, target: Actor) -> Response:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        return JSONResponse(await one_relationship(conn, viewer, target))


async def _target(request: Request, viewer: Actor) -> Actor:
    context = api_context(request)
    async with context.pool.acquire() as conn:
        return await path_account(conn, request, viewer)


def _local_group(target: Actor) -> bool:
    return target.local and target.actor_type == "Group"


async def follow(request: Request) -> Response:
    viewer = await require_user(request, "write:follows")
    options = _follow_options(await Params.read(request))
    target = await _target(request, viewer)
    context = api_context(request)
    if _local_group(target):
        # The follow options mean nothing for a membership; Mastodon's apps send them anyway.
        await GroupActions(context.publisher).join(viewer, target.id)
    else:
        await context.publisher.follow(viewer, target, options)
    return await _answer(request, viewer, target)


async def unfollow(request: Request) -> Response:
    viewer = await require_user(request, "write:follows")
    target = await _target(request, viewer)
    context = api_context(request)
    if _local_group(target):
        await GroupActions(context.publisher).leave(viewer, target.id)
    else:
        await context.publisher.unfollow(viewer, target)
    return await _answer(request, viewer, target)


async def remove_from_followers(request: Request) -> Response:
    """Make an account stop following the caller; a remote one is told with a Reject."""
    viewer = await require_user(request, "write:follows")
    target = await _target(request, viewer)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        follow = await follows_db.between(conn, target.id, viewer.id)
    if follow is not None:
        await context.publisher.answer_follow(viewer, follow.id, accept=False)
    return await _answer(request, viewer, target)


async def block(request: Request) -> Response:
    viewer = await require_user(request, "write:blocks")
    target = await _target(request, viewer)
    await api_context(request).publisher.block(viewer, target)
    return await _answer(request, viewer, target)


async def unblock(request: Request) -> Response:
    viewer = await require_user(request, "write:blocks")
    target = await _target(request, viewer)
    await api_context(request).publisher.unblock(viewer, target)
    return await _answer(request, viewer, target)


async def mute(request: Request) -> Response:
    """Mutes stay on this node: nobody else learns of them."""
    viewer = await require_user(request, "write:mutes")
    params = await Params.read(request)
    hide_notifications = params.flag("notifications", True)
    seconds = params.integer("duration", 0, minimum=0, maximum=MAX_MUTE_SECONDS) or None
    target = await _target(request, viewer)
    if target.id == viewer.id:
        raise InvalidInput("you cannot mute yourself")
    context = api_context(request)
    async with context.pool.acquire() as conn:
        await mutes_db.put(
            conn, viewer.id, target.id, hide_notifications=hide_notifications, seconds=seconds
        )
        return JSONResponse(await one_relationship(conn, viewer, target))


async def unmute(request: Request) -> Response:
    viewer = await require_user(request, "write:mutes")
    target = await _target(request, viewer)
    context = api_context(request)
    async with context.pool.acquire() as conn:
        await mutes_db.remove(conn, viewer.id, target.id)
        return JSONResponse(await one_relationship(conn, viewer, target))


async def relationships(request: Request) -> Response:
    viewer = await require_user(request, "read:follows")
    params = await Params.read(request)
    # `with_suspended` changes nothing: no account is suspended here.
    ids = numeric_ids(params.strings("id"))
    context = api_context(request)
    async with context.pool.acquire() as conn:
        actors = await known_accounts(conn, viewer, await actors_db.by_ids(conn, ids))
        existing = {actor.id for actor in actors}
        return JSONResponse(
            await relationships_to_json(conn, viewer, [i for i in ids if i in existing])
        )


def routes() -> list[BaseRoute]:
    actions = {
        "follow": follow,
        "unfollow": unfollow,
        "remove_from_followers": remove_from_followers,
        "block": block,
        "unblock": unblock,
        "mute": mute,
        "unmute": unmute,
    }
    return [
        Route("/api/v1/accounts/relationships", relationships, methods=["GET"]),
        *(
            Route(f"/api/v1/accounts/{{id:int}}/{name}", endpoint, methods=["POST"])
            for name, endpoint in actions.items()
        ),
    ]
