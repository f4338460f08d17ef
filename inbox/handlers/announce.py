"""Announce: a remote account boosts a post (fetching it when we do not have it yet), or a remote
group a local account belongs to relays what was posted in it (FEP-1b12).

A group relays a member's activity embedded (Lemmy's Announce{Create{Page}}, Announce{Update},
Announce{Delete}, Announce{Like}) or a post by its id or embedded (Lemmy's Mastodon-compatible
Announce{Page}, Mobilizon's Announce of a note to its members). The group signed only the
Announce: what it embeds is believed when it lives on the group's own server, and is otherwise
fetched from the server it names (the copy the group sent is never trusted), as Mastodon does
for an Announce and Lemmy for what a community forwards.
"""

from dataclasses import replace
from typing import Any

from activitypub.client import RemoteStatusError
from activitypub.hosts import InvalidHost, host_of
from activitypub.vocab import (
    MAX_RECIPIENTS,
    POST_TYPES,
    InvalidDocument,
    RemoteNote,
    first,
    id_list,
    id_of,
    parse_note,
)
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db import reactions as reactions_db
from fedi.db import remote_groups as remote_groups_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain import policy
from fedi.domain.notifications import notify
from fedi.domain.remote_groups import (
    RemoteGroup,
    is_addressed_to,
    relay_visibility,
    remote_group_of,
)
from fedi.domain.remote_posts import keep_remote_note
from inbox.handlers import HANDLERS, HandlerContext, Refused, handler
from inbox.handlers.common import note_from, object_id, require_same_host, store_note
from webfinger.resolver import ResolveError

# Embedded activities whose own authenticity does not matter: only the post they carry (read
# as its own server has it) or the post's fate at its server decides what is done.
CLAIMS = frozenset({"Create", "Update", "Delete", "Remove"})
# A post a group relays is kept with its visibility; these are the ones a relay may carry.
RELAYABLE = frozenset({"public", "unlisted", "members"})


@handler("Announce")
async def on_announce(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    group = await remote_group_of(ctx.conn, ctx.signer)
    if group is not None and await follows_db.count_local_followers(ctx.conn, group.id) > 0:
        await _relay(ctx, group, activity)
        return
    target = object_id(activity)
    post = await posts_db.by_uri(ctx.conn, target)
    if post is None:
        post = await _fetch_boosted(ctx, target)
        if post is None:
            return
    if post.visibility not in ("public", "unlisted"):
        raise Refused("only public and unlisted posts can be boosted")
    if await reactions_db.add(ctx.conn, "boosts", activity["id"], ctx.signer.id, post.id):
        await notify(ctx.conn, post.actor_id, "reblog", ctx.signer.id, post.id)


async def _fetch_boosted(ctx: HandlerContext, target: str) -> Post | None:
    """A boosted post we have not seen: kept only if a local account follows the booster."""
    if await follows_db.count_local_followers(ctx.conn, ctx.signer.id) == 0:
        return None
    if await posts_db.is_tombstoned(ctx.conn, target):
        return None
    try:
        # The embedded copy is not trusted (the booster is not its author): fetch by id.
        document = await ctx.resolver.fetch_object(target)
    except ResolveError as exc:
        raise Refused(str(exc)) from exc
    note = await note_from(ctx, document)
    try:
        author = await ctx.resolver.actor_by_uri(note.attributed_to)
    except ResolveError as exc:
        raise Refused(f"the boosted post's author cannot be found: {exc}") from exc
    require_same_host(note.id, author)
    await store_note(ctx, note, author)
    return await posts_db.by_uri(ctx.conn, note.id)


# A remote group relays


def _host(uri: str | None) -> str | None:
    try:
        return host_of(uri) if uri else None
    except InvalidHost:
        return None


def _is_local(ctx: HandlerContext, uri: str | None) -> bool:
    return _host(uri) == ctx.settings.domain


async def _trusted(ctx: HandlerContext, value: Any, source: str) -> dict[str, Any]:
    """The object `value` names, as its own server has it: an embedded copy is believed only
    when it lives on `source` (the host whose signature or answer it came in), anything else is
    fetched by its id from its host (where the fetched document's id must be the one asked)."""
    uri = id_of(value)
    if uri is None:
        raise Refused("the relayed object has no id")
    if isinstance(value, dict) and _host(uri) == source:
        return value
    if _is_local(ctx, uri):
        raise Refused(f"{uri} names this node: it is read here, never fetched")
    try:
        return await ctx.resolver.fetch_object(uri)
    except ResolveError as exc:
        raise Refused(f"the relayed {uri} cannot be fetched from its server: {exc}") from exc


async def _relay(ctx: HandlerContext, group: RemoteGroup, activity: dict[str, Any]) -> None:
    """What a group the local accounts follow relays: a post (kept as the group's boost and
    filed in the group) or a member's activity on one."""
    value = activity.get("object")
    uri = id_of(value)
    if uri is None:
        raise Refused("Announce has no object")
    known = await posts_db.by_uri(ctx.conn, uri)
    if known is not None:
        await _record_relay(ctx, group, activity, known)
        return
    if _is_local(ctx, uri):
        await _relayed_own(ctx, group, activity, value)
        return
    # The host whose word the document is: the group's for what it embeds, else the server
    # the document was fetched from.
    source = _host(group.uri) or ""
    if not (isinstance(value, dict) and first(value.get("type")) in CLAIMS):
        value = await _trusted(ctx, value, source)
        source = _host(id_of(value)) or ""
    kind = first(value.get("type"))
    if kind in POST_TYPES:
        post = await _relayed_post(ctx, group, value)
    elif kind in ("Create", "Update"):
        obj = value.get("object")
        if kind == "Update" and id_of(obj) == group.uri:
            # The group's new profile, as a moderator changed it (Lemmy's Update{Group}).
            if isinstance(obj, dict) and source == _host(group.uri):
                await _dispatch(ctx, group.actor, {**value, "actor": group.uri}, "Update")
            return
        if _is_local(ctx, id_of(obj)):
            # A post of ours is changed here only, by its author; relaying it is the question.
            if kind == "Create":
                await _relayed_own(ctx, group, activity, value)
            return
        document = await _trusted(ctx, obj, source)
        if kind == "Update":
            await _relayed_update(ctx, value, document)
            return
        post = await _relayed_post(ctx, group, document)
    elif kind in ("Delete", "Remove"):
        await _relayed_removal(ctx, group, value, source)
        return
    elif kind in ("Like", "Undo"):
        await _relayed_reaction(ctx, value, kind)
        return
    else:
        return  # Add, Block, Lock, Dislike...: nothing this node keeps of a remote group
    if post is not None:
        await _record_relay(ctx, group, activity, post)


async def _relayed_own(
    ctx: HandlerContext, group: RemoteGroup, activity: dict[str, Any], value: Any
) -> None:
    """One of our own activities, relayed back to us: already done here, but a post of ours
    the group may not relay (local-only, confidential) is refused."""
    if isinstance(value, dict) and first(value.get("type")) == "Create":
        post = await posts_db.by_uri(ctx.conn, id_of(value.get("object")) or "")
        if post is not None:
            await _record_relay(ctx, group, activity, post)


async def _relayed_post(
    ctx: HandlerContext, group: RemoteGroup, document: dict[str, Any]
) -> Post | None:
    """Keep a post the group relays (its document authentic): filed in the group when it was
    posted there, for the group's members when addressed to its members only."""
    note = _parsed(document)
    known = await posts_db.by_uri(ctx.conn, note.id)
    if known is not None:
        return known
    if _is_local(ctx, note.id):
        return None
    if await posts_db.is_tombstoned(ctx.conn, note.id):
        return None  # deleted before its relay reached us
    author = await _actor(ctx, note.attributed_to)
    if author is None:
        return None
    require_same_host(note.id, author)
    audience = _ids(document, "audience", 5)
    in_group = author.id == group.id or is_addressed_to(group, note.to + note.cc, audience)
    # A post the group passes on without being its audience is the group's boost of it.
    post = await keep_remote_note(ctx.conn, note, author, group if in_group else None)
    return post if post is not None else await posts_db.by_uri(ctx.conn, note.id)


def _ids(document: dict[str, Any], key: str, limit: int = MAX_RECIPIENTS) -> list[str]:
    try:
        return id_list(document.get(key), key, limit)
    except InvalidDocument as exc:
        raise Refused(str(exc)) from exc


def _parsed(document: dict[str, Any]) -> RemoteNote:
    try:
        return parse_note(document)
    except InvalidDocument as exc:
        raise Refused(str(exc)) from exc


async def _actor(ctx: HandlerContext, uri: str | None) -> Actor | None:
    """A relayed activity's actor or post's author; None on a server this node refuses."""
    host = _host(uri)
    if uri is None or host is None:
        raise Refused(f"{uri!r} is not an http(s) URL")
    if not await policy.may_federate(ctx.conn, host):
        return None
    try:
        return await ctx.resolver.actor_by_uri(uri)
    except ResolveError as exc:
        raise Refused(f"{uri} cannot be found: {exc}") from exc


async def _record_relay(
    ctx: HandlerContext, group: RemoteGroup, activity: dict[str, Any], post: Post
) -> None:
    """The group's Announce of a post, kept as the group's boost of it: that is how it reaches
    the home timelines of the local accounts that follow the group."""
    in_this_group = post.group_id == group.id
    if post.visibility not in RELAYABLE or (post.visibility == "members" and not in_this_group):
        # A local-only or confidential post of ours (or a followers-only or direct one) is
        # nobody's to relay; a members post only its own group's.
        raise Refused(f"a group may not relay a {post.visibility} post")
    if (
        post.group_id is None
        and not post.local
        and is_addressed_to(group, post.to_uris + post.cc_uris, ())
    ):
        await remote_groups_db.set_post_group(ctx.conn, post.id, group.id)
    boost = await reactions_db.add(ctx.conn, "boosts", activity["id"], group.id, post.id)
    if boost is None:
        return  # relayed before (Lemmy sends Announce{Create{Page}} and Announce{Page})
    visibility = relay_visibility(_ids(activity, "to"), _ids(activity, "cc"))
    if visibility != "public":
        await reactions_db.set_boost_visibility(ctx.conn, boost.id, visibility)
    await notify(ctx.conn, post.actor_id, "reblog", group.id, post.id)


async def _relayed_update(
    ctx: HandlerContext, update: dict[str, Any], document: dict[str, Any]
) -> None:
    """A member's edit: the post as its own server has it now, applied as its author's Update
    (whoever the relayed Update claims made it)."""
    note = _parsed(document)
    author = await _actor(ctx, note.attributed_to)
    if author is not None:
        edit = {"id": id_of(update), "type": "Update", "actor": author.uri, "object": document}
        await _dispatch(ctx, author, edit, "Update")


async def _relayed_reaction(ctx: HandlerContext, activity: dict[str, Any], kind: str) -> None:
    """A member's Like (or its Undo), authentic as its own server has it."""
    actor_uri = id_of(activity.get("actor"))
    if _is_local(ctx, actor_uri):
        return  # our own member's, relayed back: already done here
    if _host(actor_uri) != _host(id_of(activity)):
        raise Refused(f"{actor_uri} may not speak for an activity on another host")
    actor = await _actor(ctx, actor_uri)
    if actor is not None:
        await _dispatch(ctx, actor, activity, kind)


async def _relayed_removal(
    ctx: HandlerContext, group: RemoteGroup, activity: dict[str, Any], source: str
) -> None:
    """A Delete or Remove of a post, relayed by a group. The group decides what is in it: a
    post kept here as the group's goes. Any other post goes only by its author's word: their
    Delete as the group's server or their own has it, or their post gone from its server."""
    target = id_of(activity.get("object"))
    post = await posts_db.by_uri(ctx.conn, target or "")
    if target is None or post is None or post.local:
        return  # never kept, or ours: a remote group does not delete our members' posts
    if post.group_id == group.id:
        await posts_db.delete(ctx.conn, post, group.uri)
        return
    author_uri = await ctx.conn.fetchval("SELECT uri FROM actors WHERE id = $1", post.actor_id)
    said = id_of(activity.get("actor")) == author_uri and _host(id_of(activity)) == source
    if not (said and _host(author_uri) == source) and not await _gone(ctx, target):
        raise Refused(f"{target} is still on its server: only its author may delete it")
    author = await _actor(ctx, author_uri)
    if author is not None:
        deletion = {"id": id_of(activity), "type": "Delete", "actor": author_uri, "object": target}
        await _dispatch(ctx, author, deletion, "Delete")


async def _gone(ctx: HandlerContext, uri: str) -> bool:
    """Whether the object's own server says it no longer exists (404, 410, a Tombstone)."""
    try:
        document = await ctx.resolver.fetch_object(uri)
    except ResolveError as exc:
        cause = exc.__cause__
        return isinstance(cause, RemoteStatusError) and cause.status in (404, 410)
    return bool(first(document.get("type")) == "Tombstone")


async def _dispatch(ctx: HandlerContext, actor: Actor, activity: dict[str, Any], kind: str) -> None:
    """Hand an authentic relayed activity to its verb's handler, as if its actor had sent it."""
    verb_handler = HANDLERS.get(kind)
    if verb_handler is not None:
        await verb_handler(replace(ctx, signer=actor), activity)
