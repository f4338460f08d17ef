"""Which inboxes an activity goes to: deduplicated, never local, never unavailable domains, never
domains the domain policy refuses (suspended, or off the allowlist in allowlist mode)."""

from collections.abc import Iterable
from typing import Any

from activitypub.hosts import InvalidHost, host_of
from fedi.db import deliveries as deliveries_db
from fedi.db import follows as follows_db
from fedi.db.actors import Actor
from fedi.domain import policy


async def audience_inboxes(
    conn: Any,
    author: Actor,
    *,
    followers: bool,
    actors: Iterable[Actor] = (),
    local_domain: str,
) -> list[str]:
    """Followers' inboxes (shared where possible) and the named actors' inboxes."""
    inboxes: dict[str, None] = {}
    if followers:
        for inbox in await follows_db.follower_inboxes(conn, author.id):
            inboxes.setdefault(inbox)
    for actor in actors:
        if not actor.local:
            inboxes.setdefault(actor.shared_inbox_url or actor.inbox_url)
    return await deliverable(conn, inboxes, local_domain)


async def personal_inbox(conn: Any, actor: Actor, local_domain: str) -> list[str]:
    """The one inbox of a remote actor an activity is aimed at (Follow, Accept, Block...)."""
    if actor.local:
        return []
    return await deliverable(conn, [actor.inbox_url], local_domain)


async def deliverable(conn: Any, inboxes: Iterable[str], local_domain: str) -> list[str]:
    by_domain: dict[str, list[str]] = {}
    for inbox in dict.fromkeys(inboxes):
        try:
            domain = host_of(inbox)
        except InvalidHost:
            continue
        if domain != local_domain:
            by_domain.setdefault(domain, []).append(inbox)
    skipped = await deliveries_db.unavailable_domains(conn, list(by_domain))
    skipped |= await policy.refused_hosts(conn, by_domain)
    return [inbox for domain, urls in by_domain.items() if domain not in skipped for inbox in urls]
