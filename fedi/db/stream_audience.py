"""Who among the streaming clients' accounts a change concerns: follows, blocks and mutes, asked
for many accounts at once, and the facts about a post the public streams filter on."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FollowTerms:
    """What a follower chose when following: whether boosts show, and which languages."""

    show_reblogs: bool = True
    languages: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PostFacts:
    tags: frozenset[str]
    has_media: bool
    # A reply to someone else's post: the public streams leave it out, as the timelines do.
    replies_to_other: bool
    # Its author is silenced or suspended: the public streams leave it out, as the timelines do.
    limited_author: bool = False


async def followers_among(
    conn: Any, followee_id: int, viewer_ids: list[int]
) -> dict[int, FollowTerms]:
    """Which of the viewers follow the account (accepted follows only), with their terms."""
    rows = await conn.fetch(
        "SELECT follower_id, show_reblogs, languages FROM follows"
        " WHERE followee_id = $1 AND accepted AND follower_id = ANY($2)",
        followee_id,
        viewer_ids,
    )
    return {
        row["follower_id"]: FollowTerms(
            row["show_reblogs"], None if row["languages"] is None else tuple(row["languages"])
        )
        for row in rows
    }


async def hiding(conn: Any, viewer_ids: list[int], actor_ids: list[int]) -> set[int]:
    """The viewers who never see these actors: they mute (a mute in force) or block one of
    them or its domain, or are blocked by one of them; nobody sees a suspended one."""
    rows = await conn.fetch(
        "SELECT actor_id AS viewer FROM mutes WHERE actor_id = ANY($1) AND target_id = ANY($2)"
        "   AND (expires_at IS NULL OR expires_at > now())"
        " UNION SELECT blocker_id FROM blocks WHERE blocker_id = ANY($1) AND blocked_id = ANY($2)"
        " UNION SELECT blocked_id FROM blocks WHERE blocked_id = ANY($1) AND blocker_id = ANY($2)"
        " UNION SELECT d.actor_id FROM user_domain_blocks d JOIN actors a ON a.domain = d.domain"
        "   WHERE d.actor_id = ANY($1) AND a.id = ANY($2) AND NOT a.local"
        " UNION SELECT v FROM unnest($1::bigint[]) v WHERE EXISTS (SELECT 1"
        "   FROM account_moderation WHERE actor_id = ANY($2) AND suspended_at IS NOT NULL)",
        viewer_ids,
        actor_ids,
    )
    return {row["viewer"] for row in rows}


async def post_facts(conn: Any, post_id: int) -> PostFacts:
    row = await conn.fetchrow(
        "SELECT"
        " coalesce((SELECT array_agg(tag) FROM post_tags WHERE post_id = p.id), '{}') AS tags,"
        " EXISTS (SELECT 1 FROM media_attachments m WHERE m.post_id = p.id) AS has_media,"
        " (p.in_reply_to_uri IS NOT NULL AND NOT EXISTS (SELECT 1 FROM posts r"
        "   WHERE r.id = p.in_reply_to_id AND r.actor_id = p.actor_id)) AS replies_to_other,"
        " EXISTS (SELECT 1 FROM account_moderation m WHERE m.actor_id = p.actor_id"
        "   AND (m.silenced_at IS NOT NULL OR m.suspended_at IS NOT NULL))"
        # A silenced server's posts stay out of the public streams as out of the timelines.
        " OR (NOT p.local AND domain_severity("
        "   (SELECT a.domain FROM actors a WHERE a.id = p.actor_id)) = 'silence') AS limited_author"
        " FROM posts p WHERE p.id = $1",
        post_id,
    )
    if row is None:
        return PostFacts(frozenset(), False, False)
    return PostFacts(
        frozenset(row["tags"]), row["has_media"], row["replies_to_other"], row["limited_author"]
    )
