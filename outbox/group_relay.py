"""What a local group sends its remote members (FEP-1b12): the Announce of each member's post,
relayed deletions, the answers to requests to join; never anything of a confidential group.

Every document goes through outbox.publish.send, whose confidentiality check runs again on it.
"""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Membership
from fedi.db.posts import Post
from fedi.domain import groups
from fedi.federation import activities

# The module, not its `send`: outbox.publish imports this one for group posts.
from outbox import publish, recipients

# Visibilities of group posts that leave the node; a confidential group or post never does.
RELAYED = frozenset({"public", "unlisted", "members"})


def relays(group: Group, post: Post) -> bool:
    return group.visibility != "confidential" and post.visibility in RELAYED


async def local_group(conn: Any, group_id: int | None) -> Group | None:
    """The local group with this actor id (None for no group or a remote one)."""
    return None if group_id is None else await groups.group_by_id(conn, group_id)


async def _to_one(
    conn: Any, group: Group, document: dict[str, Any], actor: Actor, domain: str
) -> None:
    """An activity of the group aimed at one remote actor, to that actor's own inbox."""
    inboxes = await recipients.personal_inbox(conn, actor, domain)
    await publish.send(conn, group.actor, document, inboxes)


async def member_inboxes(
    conn: Any, group: Group, domain: str, *, except_member: Actor | None = None
) -> list[str]:
    """The approved remote members' inboxes (shared where possible), those the domain policy
    allows; none at all for a confidential group."""
    if group.visibility == "confidential":
        return []
    inboxes = await groups_db.relay_inboxes(
        conn, group.id, None if except_member is None else except_member.id
    )
    return await recipients.deliverable(conn, inboxes, domain)


async def local_post_inboxes(
    conn: Any, group: Group, post: Post, author: Actor, domain: str, *, members: bool
) -> list[str]:
    """Where a local member's group post (its Create, Update or Delete) goes: a public one to
    the author's followers and the accounts it mentions as any post, plus the group's remote
    members when `members`; a members one to the group's remote members only (its mentions of
    others stay here); a confidential one nowhere."""
    if not relays(group, post):
        return []
    everyone = await member_inboxes(conn, group, domain)
    if post.visibility == "members":
        return everyone
    mentioned = await actors_db.by_ids(conn, await posts_db.mentioned_actor_ids(conn, post.id))
    usual = await recipients.audience_inboxes(
        conn, author, followers=True, actors=mentioned, local_domain=domain
    )
    return list(dict.fromkeys([*usual, *(everyone if members else [])]))


async def announce_post(
    conn: Any, group: Group, post: Post, domain: str, *, except_member: Actor | None = None
) -> None:
    """The group Announces a member's post to its remote members, by id (Mastodon shows it as
    the group's boost; a members post is fetched with a member node's signature)."""
    if not relays(group, post):
        return
    inboxes = await member_inboxes(conn, group, domain, except_member=except_member)
    # The id the group's outbox shows for it (fedi/federation/group_documents.announce_item).
    announce_id = f"{group.uri}#announces/{post.id}"
    document = activities.group_announce(group.actor, post.uri, post.visibility, announce_id)
    await publish.send(conn, group.actor, document, inboxes)


async def relay_activity(
    conn: Any,
    group: Group,
    activity: dict[str, Any],
    visibility: str,
    domain: str,
    *,
    except_member: Actor | None = None,
) -> None:
    """The group Announces a member's activity as it came (Lemmy relays a Delete so), to the
    remote members whose nodes had the post from the group."""
    if group.visibility == "confidential" or visibility not in RELAYED:
        return
    inboxes = await member_inboxes(conn, group, domain, except_member=except_member)
    document = activities.group_announce(group.actor, activity, visibility)
    await publish.send(conn, group.actor, document, inboxes)


async def remove_post(conn: Any, group: Group, post: Post, domain: str) -> None:
    """A moderator removed a remote member's post: the group says so (in its own name) to its
    remote members, the author's node included."""
    if not relays(group, post):
        return
    removal = activities.group_removal(group.actor, post.uri, post.visibility)
    await relay_activity(conn, group, removal, post.visibility, domain)


async def answer_request(
    conn: Any, group: Group, entry: Membership, member: Actor, verdict: str, domain: str
) -> None:
    """Accept or Reject a remote's stored Follow or Join, in the verb it used."""
    if member.local or entry.request_uri is None:
        return
    request = activities.membership_request(
        entry.request_uri, entry.request_type or "Follow", member.uri, group.uri
    )
    await answer(conn, group, member, request, verdict, domain)


async def answer(
    conn: Any, group: Group, member: Actor, request: dict[str, Any], verdict: str, domain: str
) -> None:
    """The group's Accept or Reject of a request, embedding it as Mastodon and Mobilizon
    expect. A confidential group answers nobody: even a refusal would tell that it exists."""
    if member.local or group.visibility == "confidential":
        return
    await _to_one(conn, group, activities.answer(group.actor, verdict, request), member, domain)


async def invite(conn: Any, group: Group, invitee: Actor, domain: str) -> None:
    """Mobilizon's Invite, to a remote invitee only; they answer with Accept{Invite} or Join."""
    if invitee.local or group.visibility == "confidential":
        return
    document = activities.invite(group.actor, invitee.uri)
    await _to_one(conn, group, document, invitee, domain)


async def block(conn: Any, group: Group, member: Actor, domain: str) -> None:
    """A banned remote member is told by a Block from the group, as Lemmy bans from a
    community."""
    if member.local or group.visibility == "confidential":
        return
    document = activities.simple(
        group.actor, "Block", member.uri, activities.new_id(group.actor, "blocks"), to=[member.uri]
    )
    await _to_one(conn, group, document, member, domain)


async def unblock(
    conn: Any, group: Group, member: Actor, block: dict[str, Any], domain: str
) -> None:
    if member.local or group.visibility == "confidential":
        return
    document = activities.undo(group.actor, block)
    await _to_one(conn, group, document, member, domain)


async def update_group(conn: Any, group: Group, document: dict[str, Any], domain: str) -> None:
    """The group's new profile, to its remote members' nodes."""
    if group.visibility == "confidential":
        return
    inboxes = await member_inboxes(conn, group, domain)
    if inboxes:
        await publish.send(conn, group.actor, document, inboxes)
