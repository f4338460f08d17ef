"""A member's own domain blocks: one remote domain hidden from one member, as Mastodon's.

Blocking hides the domain's accounts from the member's timelines and notifications and ends the
follows between the member and them, both ways (the publisher tells the remote side).
"""

from typing import Any

from activitypub.hosts import InvalidHost, normalize_host
from fedi.db import actors as actors_db
from fedi.db import user_domain_blocks as blocks_db
from fedi.db.actors import Actor
from fedi.domain.account_moderation import FollowCut
from fedi.errors import InvalidInput

# A DNS name is at most 253 characters; a port adds at most 6.
MAX_DOMAIN_LENGTH = 260


def checked_domain(text: str | None, local_domain: str) -> str:
    """The domain as stored (normalised), or InvalidInput naming the problem."""
    if text is None or not text.strip():
        raise InvalidInput("domain is required")
    if len(text) > MAX_DOMAIN_LENGTH:
        raise InvalidInput(f"domain is longer than {MAX_DOMAIN_LENGTH} characters")
    try:
        domain = normalize_host(text)
    except InvalidHost as exc:
        raise InvalidInput(f"domain {text.strip()!r} is not a valid domain name: {exc}") from exc
    if "." not in domain and not domain.startswith("["):
        raise InvalidInput(f"domain {domain!r} is not a valid domain name")
    if domain == local_domain:
        raise InvalidInput("you cannot block this server's own domain")
    return domain


async def block(conn: Any, member: Actor, domain: str) -> list[FollowCut]:
    """Record the block and remove the follows it ends; returns them, for the publisher."""
    await blocks_db.add(conn, member.id, domain)
    follows = await blocks_db.follows_with_domain(conn, member.id, domain)
    if not follows:
        return []
    others = [f.followee_id if f.follower_id == member.id else f.follower_id for f in follows]
    remotes = {actor.id: actor for actor in await actors_db.by_ids(conn, others)}
    await blocks_db.remove_follows(conn, [f.id for f in follows])
    return [
        FollowCut(follow, member, remotes[other], incoming=follow.followee_id == member.id)
        for follow, other in zip(follows, others, strict=True)
        if other in remotes
    ]


async def unblock(conn: Any, member: Actor, domain: str) -> None:
    """Lift the block; the follows it ended stay ended, as in Mastodon."""
    await blocks_db.remove(conn, member.id, domain)
