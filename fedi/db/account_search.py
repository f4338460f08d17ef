"""Finding accounts by the start of their name, leaving out those who must not be found."""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db.actors import Actor
from fedi.db.domain_policy import limited_findable
from fedi.db.group_accounts import hidden_group_sql, member_of_sql


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching what starts with `text`, its wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


async def search(
    conn: Any,
    viewer: Actor,
    name: str,
    domain: str | None,
    *,
    following_only: bool,
    limit: int,
    offset: int,
) -> list[Actor]:
    """Accounts whose username or display name starts with `name` (and, given a domain, whose
    domain starts with it), exact usernames and local accounts first.

    Shielded accounts are never found, nor members and confidential groups by anyone who may
    not know they exist (not even by their whole address). Accounts that asked not to be
    discoverable are found by those who follow them (a group by its members), and by whoever
    types their whole address (`name` alone for a local one): that finds nobody new, as lookup
    by address answers it anyway. The viewer always finds itself.
    """
    args: list[Any] = [viewer.id, _like_prefix(name), name.lower(), domain]
    exact = "lower(a.username) = $3 AND (a.domain = $4 OR ($4::text IS NULL AND a.local))"
    conditions = [
        "a.actor_type <> 'Application'",
        "(lower(a.username) LIKE $2 OR lower(a.display_name) LIKE $2)",
        "(a.id = $1 OR NOT a.shielded)",
        f"NOT {hidden_group_sql('a', '$1')}",
        f"(a.id = $1 OR a.discoverable OR followed.id IS NOT NULL OR ({exact})"
        f" OR {member_of_sql('a', '$1')})",
        limited_findable("a", "followed"),
    ]
    if domain is not None:
        args.append(_like_prefix(domain))
        conditions.append(f"a.domain LIKE ${len(args)}")
    if following_only:
        conditions.append("followed.id IS NOT NULL")
    args += [limit, offset]
    rows = await conn.fetch(
        "SELECT a.id FROM actors a"
        " LEFT JOIN follows followed"
        "   ON followed.follower_id = $1 AND followed.followee_id = a.id AND followed.accepted"
        f" WHERE {' AND '.join(conditions)}"
        " ORDER BY lower(a.username) = $3 DESC, a.local DESC, lower(a.username), a.id"
        f" LIMIT ${len(args) - 1} OFFSET ${len(args)}",
        *args,
    )
    ids = [row["id"] for row in rows]
    found = {actor.id: actor for actor in await actors_db.by_ids(conn, ids)}
    return [found[i] for i in ids if i in found]
