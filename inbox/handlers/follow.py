"""Follow: a remote actor asks to follow a local account, or to join a local group."""

from typing import Any

from fedi.db import blocks as blocks_db
from fedi.db import follows as follows_db
from fedi.domain import account_moderation, groups, policy
from fedi.domain.notifications import notify
from fedi.federation import activities
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import local_actor, object_id
from inbox.handlers.join import ask_to_join
from outbox import recipients
from outbox.publish import send


@handler("Follow")
async def on_follow(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    target = await local_actor(ctx, object_id(activity))
    if target is None or target.actor_type == "Application":
        raise Refused(f"{object_id(activity)} is not an account here that can be followed")
    if target.actor_type == "Group":
        # Following a group is asking to join it, as Mastodon and Lemmy users do.
        group = await groups.group_by_id(ctx.conn, target.id)
        if group is not None:
            await ask_to_join(ctx, activity, group, "Follow")
            return
    inbox = await recipients.personal_inbox(ctx.conn, ctx.signer, ctx.settings.domain)
    follow_doc = activities.follow_document(activity["id"], ctx.signer.uri, target.uri)
    # A silenced account waits for approval; one on a domain the target blocked is refused.
    review = await account_moderation.follow_review(ctx.conn, ctx.signer, target)
    if review == "reject" or await blocks_db.is_blocked_by(ctx.conn, ctx.signer.id, target.id):
        await send(ctx.conn, target, activities.answer(target, "Reject", follow_doc), inbox)
        return
    existing = await follows_db.between(ctx.conn, ctx.signer.id, target.id)
    # A silenced server's accounts may only follow with the account's approval, locked or not.
    approval = (
        target.manually_approves_followers
        or review == "review"
        or await policy.silenced(ctx.conn, ctx.signer.domain)
    )
    accepted = not approval or bool(existing and existing.accepted)
    await follows_db.upsert(ctx.conn, activity["id"], ctx.signer.id, target.id, accepted=accepted)
    if existing is None:
        kind = "follow" if accepted else "follow_request"
        await notify(ctx.conn, target.id, kind, ctx.signer.id)
    if accepted:
        await send(ctx.conn, target, activities.answer(target, "Accept", follow_doc), inbox)
