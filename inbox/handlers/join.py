"""Join: a remote person asks to become a member of a local group (Mobilizon's verb; Mastodon
and Lemmy send Follow, which follow.py hands to the same `ask_to_join`), and the answers a
remote invitee gives to the group's Invite."""

from typing import Any

from activitypub.vocab import first, id_of
from fedi.db import groups as groups_db
from fedi.db.groups import Group
from fedi.domain import account_moderation, groups, policy
from fedi.errors import Conflict, Forbidden, InvalidInput
from fedi.federation import activities
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import object_id
from outbox import group_relay

INVITE_MARK = "#invites/"


async def group_named(ctx: HandlerContext, uri: str) -> Group:
    group = await groups.group_by_uri(ctx.conn, uri)
    if group is None:
        raise Refused(f"{uri} is not a group here")
    return group


def refuse_if_confidential(group: Group) -> None:
    """Nothing may leave about a confidential group, not even a refusal: the activity is
    refused here and its sender hears nothing."""
    if group.visibility == "confidential":
        raise Refused("the group takes no requests from other nodes")


async def ask_to_join(
    ctx: HandlerContext, activity: dict[str, Any], group: Group, request_type: str
) -> None:
    """A remote's Follow or Join of a local group: a member at once (Accept), a request for the
    moderators (answered later by GroupActions.answer_request), or a Reject (banned, invitation
    only, a blocked domain)."""
    refuse_if_confidential(group)
    conn, signer = ctx.conn, ctx.signer
    request = activities.membership_request(activity["id"], request_type, signer.uri, group.uri)
    before = await groups_db.membership(conn, group.id, signer.id)
    review = await account_moderation.follow_review(conn, signer, group.actor)
    try:
        if review == "reject":
            raise Forbidden("the group does not take members from this domain")
        entry = await groups.request_membership(
            conn, group, signer, request_uri=activity["id"], request_type=request_type
        )
    except (Forbidden, InvalidInput):
        await group_relay.answer(conn, group, signer, request, "Reject", ctx.settings.domain)
        return
    newly = before is None or before.state not in ("member", "invited")
    if entry.state == "member" and newly:
        # A silenced account or server waits for a moderator, however open the group.
        if review == "review" or await policy.silenced(conn, signer.domain):
            entry = await groups_db.put_membership(conn, group.id, signer.id, state="pending")
    if entry.state == "member":
        await group_relay.answer(conn, group, signer, request, "Accept", ctx.settings.domain)


@handler("Join")
async def on_join(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    group = await group_named(ctx, object_id(activity))
    await ask_to_join(ctx, activity, group, "Join")


async def answered_invite(ctx: HandlerContext, activity: dict[str, Any]) -> Group | None:
    """The local group whose Invite an Accept or Reject answers, if it answers one; the
    sender must be the one invited."""
    obj = activity.get("object")
    inner_id = id_of(obj)
    kind = first(obj.get("type")) if isinstance(obj, dict) else None
    if inner_id is None or (kind != "Invite" and INVITE_MARK not in inner_id):
        return None
    invited_to = id_of(obj.get("object")) if isinstance(obj, dict) else None
    group = await groups.group_by_uri(ctx.conn, invited_to or inner_id.split("#", 1)[0])
    if group is None:
        if kind == "Invite":
            raise Refused(f"{activity.get('type')} answers no invitation of ours")
        return None
    refuse_if_confidential(group)
    entry = await groups_db.membership(ctx.conn, group.id, ctx.signer.id)
    if entry is None or entry.state != "invited":
        raise Refused(f"{ctx.signer.uri} was not invited to {group.uri}")
    return group


async def answer_invite(ctx: HandlerContext, activity: dict[str, Any], *, accept: bool) -> bool:
    """Accept{Invite} makes the invitee a member, Reject{Invite} withdraws the invitation;
    False when the activity answers something else (a Follow of ours)."""
    group = await answered_invite(ctx, activity)
    if group is None:
        return False
    if accept:
        try:
            await groups.request_membership(ctx.conn, group, ctx.signer)
        except (Forbidden, InvalidInput) as exc:
            raise Refused(str(exc)) from exc
    else:
        await leave_group(ctx, group)
    return True


async def leave_group(ctx: HandlerContext, group: Group) -> None:
    """The sender leaves the group (or withdraws its request or declines an invitation); a
    ban stays."""
    try:
        await groups.leave(ctx.conn, group, ctx.signer)
    except Conflict as exc:
        raise Refused(str(exc)) from exc


async def undo_membership(ctx: HandlerContext, inner: Any, inner_id: str) -> bool:
    """Undo{Follow} or Undo{Join} of a local group: the membership ends. False when the undone
    activity was no request to join a group here."""
    entry = await groups_db.by_request_uri(ctx.conn, inner_id)
    group = None
    if entry is not None and entry.member_id == ctx.signer.id:
        group = await groups.group_by_id(ctx.conn, entry.group_id)
    elif isinstance(inner, dict):
        group = await groups.group_by_uri(ctx.conn, id_of(inner.get("object")) or "")
    if group is None:
        return False
    await leave_group(ctx, group)
    return True
