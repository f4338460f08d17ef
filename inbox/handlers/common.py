"""Checks and look-ups shared by the verb handlers."""

from typing import Any

from activitypub.hosts import InvalidHost, host_of
from activitypub.vocab import CONVERTED_TYPES, InvalidDocument, RemoteNote, id_of, parse_note
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.follows import Follow
from fedi.db.posts import Post
from fedi.domain.html import sanitize
from fedi.domain.visibility import infer_visibility
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


def rendered_content(note: RemoteNote) -> tuple[str, dict[str, str]]:
    """Sanitised HTML and contentMap; a titled Article or Page shows its title first."""
    content = sanitize(note.content)
    if note.name and note.type in CONVERTED_TYPES:
        content = f"<p><strong>{sanitize(note.name)}</strong></p>{content}"
    return content, {lang: sanitize(text) for lang, text in note.content_map.items()}


async def store_note(ctx: HandlerContext, note: RemoteNote, author: Actor) -> Post | None:
    """Store a remote post and its local mentions and tags; None if it was already here."""
    content, content_map = rendered_content(note)
    parent = await posts_db.by_uri(ctx.conn, note.in_reply_to) if note.in_reply_to else None
    language = next(iter(note.content_map)) if len(note.content_map) == 1 else None
    post = await posts_db.insert_remote(
        ctx.conn,
        uri=note.id,
        actor_id=author.id,
        local=False,
        visibility=infer_visibility(note.to, note.cc, author.followers_url),
        content=content,
        summary=sanitize(note.summary) if note.summary else "",
        sensitive=note.sensitive or bool(note.summary),
        language=language,
        content_map=content_map,
        url=note.url,
        in_reply_to_uri=note.in_reply_to,
        in_reply_to_id=parent.id if parent else None,
        conversation=note.conversation,
        to_uris=note.to,
        cc_uris=note.cc,
    )
    if post is None:
        return None
    local_mentions = [a.id for href in note.mentions if (a := await local_actor(ctx, href))]
    if parent is not None and parent.local:
        local_mentions.append(parent.actor_id)
    await posts_db.set_mentions(ctx.conn, post.id, local_mentions)
    await posts_db.set_tags(ctx.conn, post.id, note.hashtags)
    return post


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
