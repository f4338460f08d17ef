"""Create: a remote post arrives. One a member addresses to a local group goes into the group
(into the space its `target` names) and the group relays it to its members (FEP-1b12)."""

from dataclasses import dataclass, replace
from typing import Any

from activitypub.vocab import InvalidDocument, RemoteNote, id_list
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.groups import Group, Space
from fedi.db.posts import Post
from fedi.domain import confidential, groups, policy
from fedi.domain.media import keep_remote_media
from fedi.domain.notifications import notify_mentions
from fedi.domain.visibility import infer_visibility
from fedi.errors import NotFound
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import is_relevant, note_from, require_same_host, store_note
from outbox import group_relay

MEMBERS_SUFFIX = "/members"
# A post names a group or two; more ids of this node than this are not looked at.
MAX_LOCAL_NAMES = 20


@dataclass(frozen=True)
class GroupPlace:
    """Where a remote member's post goes in a local group, and its visibility there."""

    group: Group
    space: Space
    visibility: str


@handler("Create")
async def on_create(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    note = await note_from(ctx, activity.get("object"))
    require_same_host(note.id, ctx.signer)
    if note.attributed_to != ctx.signer.uri:
        raise Refused(f"{note.id} is attributed to {note.attributed_to}, not to its sender")
    # Only the author's own Delete counts: anyone on its host may send one for any id.
    if await posts_db.is_tombstoned(ctx.conn, note.id, by=ctx.signer.uri):
        raise Refused(f"{note.id} was deleted; a replayed Create is refused")
    aimed = _aimed_at(activity, note)
    await _refuse_confidential(ctx, aimed)
    named = await _local_groups(ctx, aimed, note)
    place = await _place(ctx, named, note)
    if place is None:
        # Groups the sender may not post in do not make the post worth keeping.
        others = _without(note, {uri for group, _ in named for uri in _group_uris(group)})
        if not await is_relevant(ctx, others, ctx.signer):
            if named:
                raise Refused("only members of the group may post in it")
            return  # nobody here follows, is mentioned or is answered: nothing to keep
    post = await store_note(ctx, note, ctx.signer)
    if post is not None:
        await notify_mentions(ctx.conn, post)
    if post is not None and note.attachments:
        if not await policy.rejects_media(ctx.conn, ctx.signer.domain):
            await keep_remote_media(ctx.conn, ctx.signer.id, post.id, note.attachments)
    if place is not None:
        stored = post or await posts_db.by_uri(ctx.conn, note.id)
        if stored is not None and stored.actor_id == ctx.signer.id:
            await _put_in_group(ctx, place, stored)


def _aimed_at(activity: dict[str, Any], note: RemoteNote) -> list[str]:
    """Every id the post is aimed at: its spaces (`target`), groups (`audience`), recipients,
    mentions and the post it answers, on the activity or on the object."""
    obj = activity.get("object")
    holders = [activity, obj] if isinstance(obj, dict) else [activity]
    found: list[str] = []
    try:
        for holder in holders:
            found += id_list(holder.get("target"), "target", 5)
        for holder in holders:
            found += id_list(holder.get("audience"), "audience", 5)
    except InvalidDocument as exc:
        raise Refused(str(exc)) from exc
    found += [*note.to, *note.cc, *note.mentions]
    found += [uri for uri in (note.in_reply_to, note.conversation) if uri]
    return list(dict.fromkeys(found))


async def _refuse_confidential(ctx: HandlerContext, aimed: list[str]) -> None:
    """A post aimed at anything confidential here (a group, a space, a post) is refused, and
    nothing is answered: its sender must not learn even that it exists."""
    base = ctx.settings.base_url
    local = [uri for uri in aimed if uri.startswith(base + "/")]
    if not local:
        return
    try:
        await confidential.refuse_confidential(ctx.conn, {"aimed": local}, base)
    except confidential.ConfidentialLeak as exc:
        raise Refused("the post is aimed at something that takes no posts from here") from exc


def _group_uris(group: Group) -> tuple[str, str]:
    return group.uri, group.members_url


async def _local_groups(
    ctx: HandlerContext, aimed: list[str], note: RemoteNote
) -> list[tuple[Group, Space | None]]:
    """The local groups the post names, most specific first: by a space of theirs (`target`),
    as audience or recipient (also by their members collection), by a mention; then the group
    of the local group post it answers. Each with the space named, if any."""
    base = ctx.settings.base_url + "/"
    found: dict[int, tuple[Group, Space | None]] = {}
    for uri in [uri for uri in aimed if uri.startswith(base)][:MAX_LOCAL_NAMES]:
        space = await groups_db.space_by_uri(ctx.conn, uri)
        if space is not None:
            group = await groups.group_by_id(ctx.conn, space.group_id)
        else:
            group_uri = uri.removesuffix(MEMBERS_SUFFIX)
            group = await groups.group_by_uri(ctx.conn, group_uri)
        if group is not None and group.id not in found:
            found[group.id] = (group, space)
        elif group is not None and space is not None and found[group.id][1] is None:
            found[group.id] = (group, space)
    if note.in_reply_to:
        parent = await posts_db.by_uri(ctx.conn, note.in_reply_to)
        if parent is not None and parent.group_id is not None and parent.group_id not in found:
            group = await groups.group_by_id(ctx.conn, parent.group_id)
            if group is not None:
                space = (
                    await groups_db.space_by_id(ctx.conn, parent.space_id)
                    if parent.space_id is not None
                    else None
                )
                found[group.id] = (group, space)
    return list(found.values())


async def _place(
    ctx: HandlerContext, named: list[tuple[Group, Space | None]], note: RemoteNote
) -> GroupPlace | None:
    """The first named group the sender is an approved member of (following a group from
    Mastodon makes one), with the space the post goes to: the one named, else one a hashtag
    names, else the default space. A public group publishes only what its author made public."""
    for group, named_space in named:
        if group.visibility == "confidential":
            continue  # never: such posts were refused above
        if not await groups.is_member(ctx.conn, group.id, ctx.signer.id):
            continue
        space = named_space or await _tagged_space(ctx, group, note)
        space = space or await groups_db.default_space(ctx.conn, group.id)
        if space is None:
            continue
        # As committed now, share-locked: a visibility change cannot cross this post.
        try:
            group, space = await groups.locked_place(ctx.conn, group, space)
        except NotFound:
            continue
        if group.visibility == "confidential" or space.visibility == "confidential":
            continue
        visibility = groups.post_visibility(group.visibility, space.visibility)
        if visibility == "public":
            own = infer_visibility(note.to, note.cc, ctx.signer.followers_url)
            if own not in ("public", "unlisted"):
                continue  # a private post is not the group's to publish
            visibility = own
        return GroupPlace(group, space, visibility)
    return None


async def _tagged_space(ctx: HandlerContext, group: Group, note: RemoteNote) -> Space | None:
    """A space of the group a hashtag of the post names (#campaign for the space `campaign`)."""
    for tag in note.hashtags[:10]:
        space = await groups_db.space_by_slug(ctx.conn, group.id, tag.lower())
        if space is not None and space.visibility != "confidential":
            return space
    return None


def _without(note: RemoteNote, uris: set[str]) -> RemoteNote:
    return replace(
        note,
        to=[u for u in note.to if u not in uris],
        cc=[u for u in note.cc if u not in uris],
        mentions=[u for u in note.mentions if u not in uris],
    )


async def _put_in_group(ctx: HandlerContext, place: GroupPlace, post: Post) -> None:
    """File the post in the group's space with the group's visibility, and let the group
    relay it to its other members' nodes; a post already in a group stays where it is."""
    if post.group_id is not None:
        return
    group = place.group
    await groups_db.set_post_group(ctx.conn, post.id, group.id, place.space.id, place.visibility)
    placed = await posts_db.by_id(ctx.conn, post.id)
    assert placed is not None
    await group_relay.announce_post(
        ctx.conn, group, placed, ctx.settings.domain, except_member=ctx.signer
    )
