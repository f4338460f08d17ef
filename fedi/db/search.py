"""The look-ups of search v2: accounts by handle or name, posts and accounts by URL, hashtags.

Who may be found is decided here, for signed-in and anonymous searches alike: a shielded
account is never found (but by itself), the instance actor never, a members or confidential
group only by those who may know it exists (fedi.domain.groups.may_see_group), and an account
that asked not to be discoverable only by exact handle or by those who follow it.
"""

from typing import Any

from fedi.db import actors as actors_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.domain_policy import limited_findable
from fedi.db.group_accounts import hidden_group_sql, member_of_sql
from fedi.db.posts import Post


def like_prefix(text: str) -> str:
    """A LIKE pattern matching what starts with `text`, its wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _findable(viewer: str) -> str:
    return (
        f"a.actor_type <> 'Application' AND (NOT a.shielded OR a.id = {viewer}::bigint)"
        f" AND NOT {hidden_group_sql('a', viewer)}"
    )


async def _actors_in_order(conn: Any, ids: list[int]) -> list[Actor]:
    found = {actor.id: actor for actor in await actors_db.by_ids(conn, ids)}
    return [found[i] for i in ids if i in found]


async def account_by_handle(
    conn: Any, viewer_id: int | None, username: str, domain: str
) -> Actor | None:
    """The account with exactly this handle, if it may be found."""
    row = await conn.fetchrow(
        "SELECT a.id FROM actors a WHERE lower(a.username) = lower($2) AND a.domain = $3"
        f" AND {_findable('$1')} ORDER BY a.local DESC, a.id LIMIT 1",
        viewer_id,
        username,
        domain,
    )
    return None if row is None else await actors_db.by_id(conn, row["id"])


async def accounts_by_prefix(
    conn: Any,
    viewer_id: int | None,
    name: str,
    domain: str | None,
    *,
    following_only: bool,
    limit: int,
    offset: int,
) -> list[Actor]:
    """Accounts whose username or display name starts with `name` (and, given a domain, whose
    domain starts with it), exact usernames and local accounts first."""
    args: list[Any] = [viewer_id, like_prefix(name), name.lower()]
    conditions = [
        _findable("$1"),
        "(lower(a.username) LIKE $2 OR lower(a.display_name) LIKE $2)",
        "(a.id = $1::bigint OR a.discoverable OR followed.id IS NOT NULL"
        f" OR {member_of_sql('a', '$1')})",
        limited_findable("a", "followed"),
    ]
    if domain is not None:
        args.append(like_prefix(domain))
        conditions.append(f"a.domain LIKE ${len(args)}")
    if following_only:
        conditions.append("followed.id IS NOT NULL")
    args += [limit, offset]
    rows = await conn.fetch(
        "SELECT a.id FROM actors a"
        " LEFT JOIN follows followed"
        "   ON followed.follower_id = $1::bigint AND followed.followee_id = a.id"
        "   AND followed.accepted"
        f" WHERE {' AND '.join(conditions)}"
        " ORDER BY lower(a.username) = $3 DESC, a.local DESC, lower(a.username), a.id"
        f" LIMIT ${len(args) - 1} OFFSET ${len(args)}",
        *args,
    )
    return await _actors_in_order(conn, [row["id"] for row in rows])


async def account_by_url(conn: Any, viewer_id: int | None, url: str) -> Actor | None:
    """The account whose id or profile page is `url`, if it may be found."""
    row = await conn.fetchrow(
        f"SELECT a.id FROM actors a WHERE (a.uri = $2 OR a.url = $2) AND {_findable('$1')}"
        " ORDER BY a.uri = $2 DESC, a.id LIMIT 1",
        viewer_id,
        url,
    )
    return None if row is None else await actors_db.by_id(conn, row["id"])


async def post_by_url(conn: Any, url: str) -> Post | None:
    """The post whose id or page is `url`; whether the searcher may see it is theirs to ask."""
    row = await conn.fetchrow(
        "SELECT id FROM posts WHERE uri = $1 OR url = $1 ORDER BY uri = $1 DESC, id LIMIT 1", url
    )
    return None if row is None else await posts_db.by_id(conn, row["id"])


async def tags_by_prefix(
    conn: Any, prefix: str, viewer_local: bool, *, limit: int, offset: int
) -> list[str]:
    """Hashtags starting with `prefix` that a public post carries (a `local` one for a local
    searcher): a tag used only in restricted posts is not revealed. The exact tag comes first,
    then the most used."""
    rows = await conn.fetch(
        "SELECT t.tag FROM post_tags t JOIN posts p ON p.id = t.post_id"
        " WHERE t.tag LIKE $1"
        "   AND (p.visibility IN ('public', 'unlisted') OR (p.visibility = 'local' AND $3))"
        " GROUP BY t.tag ORDER BY t.tag = $2 DESC, count(*) DESC, t.tag"
        " LIMIT $4 OFFSET $5",
        like_prefix(prefix),
        prefix.lower(),
        viewer_local,
        limit,
        offset,
    )
    return [row["tag"] for row in rows]
