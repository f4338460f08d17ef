"""What other nodes may fetch of local groups: the group itself, its collections and its posts.

A server fetches with one of its members' keys or with its own instance actor, so a node that
has an approved member may read a `members` group as its member can: it receives the group's
posts for that member anyway. Anything confidential answers as if it did not exist.
"""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import Group
from fedi.db.posts import Post
from fedi.domain.groups import group_by_id
from fedi.domain.posts import may_see

# Visibilities of group posts anyone may fetch; `members` is added for those who may read it.
OPEN_POSTS = ("public", "unlisted")
# Whose servers may see that a members group exists: someone there belongs, is invited or asks
# (their server must read the group to show the invitation or take the Accept).
KNOWN_BY = ("member", "invited", "pending")
# Whose servers may read what is in it: an approved member's.
READ_BY = ("member",)


async def may_fetch(
    conn: Any, group: Group, signer: Actor | None, visibility: str, *, content: bool
) -> bool:
    """Whether the verified signer of a GET (None: unsigned) may fetch something of the group
    that has this visibility (the group's own, or a stricter space's). `content` is True for
    posts and member lists, False for the group's actor document."""
    if visibility == "public":
        return True
    if visibility != "members" or signer is None:
        return False
    found = await groups_db.membership(conn, group.id, signer.id)
    if found is not None and found.state == "banned":
        return False
    if found is not None and found.state == "member":
        return True
    if signer.local:
        return False
    domains = await groups_db.member_domains(conn, group.id, READ_BY if content else KNOWN_BY)
    return signer.domain in domains


async def post_visibilities(conn: Any, group: Group, signer: Actor | None) -> tuple[str, ...]:
    """The visibilities of the group's posts this signer may fetch in its collections."""
    if group.visibility == "confidential":
        return ()
    if await may_fetch(conn, group, signer, "members", content=True):
        return (*OPEN_POSTS, "members")
    return OPEN_POSTS


async def may_fetch_post(conn: Any, post: Post, signer: Actor | None) -> bool:
    """Whether another node's signed (or an unsigned) GET may read this local post."""
    if post.visibility in ("local", "confidential"):
        return False
    group = await group_by_id(conn, post.group_id) if post.group_id is not None else None
    if group is not None and group.visibility == "confidential":
        return False
    if post.visibility != "members":
        return await may_see(conn, post, signer)
    if signer is None:
        return False
    if group is not None:
        return await may_fetch(conn, group, signer, "members", content=True)
    # A local member's post in a remote group: the group's own server reads it to relay it.
    group_actor = await actors_db.by_id(conn, post.group_id) if post.group_id else None
    if group_actor is not None and not signer.local and signer.domain == group_actor.domain:
        return True
    return await may_see(conn, post, signer)


async def publicly_known(conn: Any, actor: Actor) -> bool:
    """False for a local group only its members (or nobody elsewhere) may know of: asked
    unsigned (WebFinger, profile pages, inbox), it answers as if it did not exist."""
    if not actor.local or actor.actor_type != "Group":
        return True
    settings = await groups_db.settings_of(conn, actor.id)
    return settings is not None and settings.visibility == "public"


async def is_confidential_group(conn: Any, actor: Actor) -> bool:
    if not actor.local or actor.actor_type != "Group":
        return False
    settings = await groups_db.settings_of(conn, actor.id)
    return settings is not None and settings.visibility == "confidential"
