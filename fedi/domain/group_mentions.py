"""Posting to a group by mentioning it, as Mastodon apps do: which group and space a post goes
into, and which mentions of groups stay plain text.

A local member who writes `@group` posts into that group, in the space a hashtag names
(`#slug`), else its default space; the group then decides the post's visibility (write_post).
Mentioning `@group@other.server`, a remote group the author follows (belongs to), posts into
that group as fedi.domain.remote_groups decides. A
mention of a members or confidential group is a link only in a post that goes into that very
group: anywhere else (a stranger naming it, or a member's post elsewhere) it stays the text that
was typed, so that nothing (no link, no mention, no notification, no delivery) tells anyone
about the group.
"""

from dataclasses import dataclass
from typing import Any

from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.domain import groups, remote_groups
from fedi.domain.html import mentioned_handles, render_plain_text

# What an author asked for that a public group would publish more widely: such a post stays
# an ordinary post that mentions the group, as a mention of a Lemmy community in a
# followers-only post is in Mastodon. (A local-only post into a public local group stays
# local-only: write_post keeps it so.)
NARROWER_THAN_PUBLIC = ("followers", "direct")


@dataclass(frozen=True)
class GroupTarget:
    """Where a post goes: a local group and one of its spaces (None: the default space)."""

    group_id: int
    space_id: int | None


def hashtags(text: str, local_domain: str) -> list[str]:
    """The hashtags of a plain text as a post of it carries them (lower case, in order)."""
    rendered = render_plain_text(
        text, base_url="", local_domain=local_domain, find_mention=lambda _u, _h: None
    )
    return list(rendered.tags)


@dataclass(frozen=True)
class _Candidate:
    group_id: int
    visibility: str  # public, members or confidential
    local: bool


async def _local_candidate(
    conn: Any, author: Actor, username: str, visibility: str
) -> _Candidate | None:
    group = await groups.group_by_name(conn, username)
    if group is None:
        return None
    if group.visibility == "public" and visibility in NARROWER_THAN_PUBLIC:
        return None
    if group.visibility == "confidential" and not author.local:
        return None
    if not await groups.is_member(conn, group.id, author.id):
        return None
    return _Candidate(group.id, group.visibility, local=True)


async def _remote_candidate(
    conn: Any, author: Actor, username: str, host: str, visibility: str
) -> _Candidate | None:
    """A remote group the author belongs to, by the same rules as remote_groups.place_for_post
    (which would refuse the rest): a member, not shielded, not a local-only post."""
    actor = await actors_db.by_handle(conn, username, host)
    group = None if actor is None else await remote_groups.remote_group_of(conn, actor)
    if group is None or author.shielded or visibility == "local":
        return None
    if group.visibility == "public" and visibility in NARROWER_THAN_PUBLIC:
        return None
    if not await follows_db.is_following(conn, author.id, group.id):
        return None
    return _Candidate(group.id, group.visibility, local=False)


async def _usable_groups(
    conn: Any, author: Actor, text: str, local_domain: str, visibility: str
) -> list[_Candidate]:
    """The groups the text mentions that the post could go into, in the text's order."""
    found: list[_Candidate] = []
    for username, host in mentioned_handles(text, local_domain):
        if host == local_domain:
            candidate = await _local_candidate(conn, author, username, visibility)
        else:
            candidate = await _remote_candidate(conn, author, username, host, visibility)
        if candidate is not None and candidate.group_id not in (c.group_id for c in found):
            found.append(candidate)
    return found


async def group_for_post(
    conn: Any,
    author: Actor,
    text: str,
    local_domain: str,
    *,
    visibility: str,
    in_reply_to_id: int | None = None,
) -> GroupTarget | None:
    """The group a new post goes into because its text mentions it, if any.

    Among the mentioned groups the author is an approved member of (for a remote group: an
    accepted follower), the strictest wins (then the first mentioned): a post never goes into a
    looser group than one it names, so a members or confidential group it mentions is never
    named in a wider post. A reply to a post in a group stays in that group, as write_post
    decides.
    """
    if in_reply_to_id is not None:
        parent = await posts_db.by_id(conn, in_reply_to_id)
        if parent is not None and parent.group_id is not None:
            return None
    candidates = await _usable_groups(conn, author, text, local_domain, visibility)
    if not candidates:
        return None
    group = max(candidates, key=lambda c: groups.VISIBILITY_RANK[c.visibility])
    if not group.local:
        return GroupTarget(group.group_id, None)  # spaces are this node's own
    spaces = await groups_db.spaces_of(conn, group.group_id)
    for tag in hashtags(text, local_domain):
        for space in spaces:
            # Hashtags have no '-': #reading_list also names the space reading-list.
            if tag in (space.slug, space.slug.replace("-", "_")):
                return GroupTarget(group.group_id, space.id)
    return GroupTarget(group.group_id, None)


async def speakable_mentions(
    conn: Any, mentions: dict[tuple[str, str], Actor], group_id: int | None
) -> dict[tuple[str, str], Actor]:
    """The mentions a post into `group_id` (None: outside any group) may link: all but those of
    members and confidential groups other than the post's own, which stay plain text."""
    local_groups = [a.id for a in mentions.values() if a.local and a.actor_type == "Group"]
    if not local_groups:
        return mentions
    settings = await groups_db.settings_of_many(conn, local_groups)
    hidden = {
        actor_id
        for actor_id, found in settings.items()
        if found.visibility != "public" and actor_id != group_id
    }
    return {key: actor for key, actor in mentions.items() if actor.id not in hidden}
