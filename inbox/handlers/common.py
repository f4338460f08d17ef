"""Checks and look-ups shared by the verb handlers."""

from typing import Any

from activitypub.hosts import InvalidHost, host_of
from activitypub.vocab import InvalidDocument, RemoteNote, id_of, parse_note
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.follows import Follow
from fedi.db.posts import Post
from fedi.domain.remote_posts import rendered_content as rendered_content  # update.py uses it
from fedi.domain.remote_posts import store_remote_note
from inbox.handlers import HandlerContext, Refused
from webfinger.resolver import ResolveError


def object_id(activity: dict[str, Any]) -> str:
    """The id of the activity's object, embedded or not."""
    value = id_of(activity.get("object"))
    if value is None:
        raise Refused(f"{activity.get('type')} has no object")
    return value


def require_same_host(uri: str, actor: Actor, what: str = "object") -> None:
    """Only an actor's own server may speak for objects on that server."""
    try:
        same = host_of(uri) == host_of(actor.uri)
    except InvalidHost as exc:
        raise Refused(f"the {what} id {uri!r} is not an http(s) URL") from exc
    if not same:
        raise Refused(f"{actor.uri} may not speak for the {what} {uri} on another host")


async def local_actor(ctx: HandlerContext, uri: str) -> Actor | None:
    actor = await actors_db.by_uri(ctx.conn, uri)
    return actor if actor is not None and actor.local else None


async def note_from(ctx: HandlerContext, obj: Any) -> RemoteNote:
    """The embedded Note, or the one its id names (fetched once from the signer's host)."""
    if isinstance(obj, str):
        require_same_host(obj, ctx.signer)
        try:
            obj = await ctx.resolver.fetch_object(obj)
        except ResolveError as exc:
            raise Refused(str(exc)) from exc
    try:
        return parse_note(obj)
    except InvalidDocument as exc:
        raise Refused(str(exc)) from exc


async def is_relevant(ctx: HandlerContext, note: RemoteNote, author: Actor) -> bool:
    """Whether anyone here asked for this post: a local follower, a local mention or a reply."""
    if await follows_db.count_local_followers(ctx.conn, author.id) > 0:
        return True
    for href in note.mentions + note.to + note.cc:
        if await local_actor(ctx, href) is not None:
            return True
    if note.in_reply_to and await posts_db.by_uri(ctx.conn, note.in_reply_to) is not None:
        return True
    return False


async def store_note(ctx: HandlerContext, note: RemoteNote, author: Actor) -> Post | None:
    """Store a remote post and its local mentions and tags; None if it was already here."""
    return await store_remote_note(ctx.conn, note, author)


async def answered_follow(ctx: HandlerContext, activity: dict[str, Any]) -> Follow:
    """The local account's Follow an Accept or Reject answers; only its target may answer."""
    obj = activity.get("object")
    follow = await follows_db.by_uri(ctx.conn, object_id(activity))
    if follow is None and isinstance(obj, dict):
        # Some servers embed the Follow with an id of their own making; match on the pair.
        follower = await local_actor(ctx, id_of(obj.get("actor")) or "")
        if follower is not None:
            follow = await follows_db.between(ctx.conn, follower.id, ctx.signer.id)
    if follow is None:
        raise Refused(f"{activity.get('type')} answers no follow request of ours")
    if follow.followee_id != ctx.signer.id:
        raise Refused("only the followed account may answer a follow request")
    return follow
