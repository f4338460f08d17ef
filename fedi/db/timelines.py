"""Timelines as pages of status ids: home (fan-out on read), public, and one hashtag's.

Every query here leaves out what the viewer may not see by `visible_sql`, the SQL twin of
fedi.domain.posts.may_see (tests check that the timelines agree with it on every visibility and
relation).

Posts by accounts of silenced servers are left out of the public and hashtag timelines, except
for viewers who follow their author (`not_silenced`).

A `local` post is public to this node: it shows in the public and hashtag timelines of a signed-in
local viewer (local=true or not) and never to an anonymous or remote one, as may_see decides.

Group posts: the home timeline holds the posts in the local groups the viewer is an approved
member of. A remote group the viewer belongs to is one it follows, and what that group relays
arrives as the group's boost (inbox/handlers/announce.py), which the home timeline shows as any
followed account's boost (the post is also filed under the group, posts.group_id, which is not
read here: it would show twice). Members-only and confidential posts never reach the public and
hashtag timelines, which take public (and `local`) posts only.
"""

from typing import Any, Protocol

from fedi.db.account_moderation import HIDDEN_FROM_PUBLIC_SQL, SUSPENDED_SQL
from fedi.db.domain_policy import not_silenced
from fedi.db.paging import IdWindow
from fedi.db.post_visibility import visible_sql
from fedi.db.user_domain_blocks import blocked_accounts_sql

# A mute past its end no longer hides anything, whether or not a sweep has deleted it yet.
MUTE_IN_FORCE = "(expires_at IS NULL OR expires_at > now())"
# How many hashtags each of any[], all[] and none[] may name, as in Mastodon.
MAX_TAGS_PER_MODE = 4
# The fast step of the home timeline reads this many ids per requested status next to the page.
RECENT_SPAN = 50
# The newest status id handed out: posts and boosts share the sequence.
NEWEST_ID = "(SELECT last_value FROM posts_id_seq)"


def hidden_from(viewer: str) -> str:
    """SQL selecting the actor ids a viewer never sees: muted (mute in force), blocked, blocking,
    on a domain the viewer blocked, or suspended by a moderator."""
    return (
        f"SELECT target_id FROM mutes WHERE actor_id = {viewer} AND {MUTE_IN_FORCE}"
        f" UNION SELECT blocked_id FROM blocks WHERE blocker_id = {viewer}"
        f" UNION SELECT blocker_id FROM blocks WHERE blocked_id = {viewer}"
        f" UNION {blocked_accounts_sql(viewer)}"
        f" UNION {SUSPENDED_SQL}"
    )


class HomeWindow(IdWindow, Protocol):
    """A page's bounds as fedi.api.pagination.Page gives them, with the raw ids."""

    @property
    def max_id(self) -> int | None: ...

    @property
    def lower(self) -> int | None: ...

    @property
    def ascending(self) -> bool: ...


async def home(conn: Any, viewer_id: int, viewer_local: bool, window: HomeWindow) -> list[int]:
    """Post and boost ids, newest first: from followed accounts and the viewer, mentions, and
    posts in the groups the viewer belongs to.

    Read on request (fan-out on read), in two steps that are each bounded. First the newest
    RECENT_SPAN x limit ids next to the page are read through the id indexes, keeping the rows
    of followed accounts: for anyone whose follows write a fair share of what arrives this fills
    the page at once. Only when it does not (few or quiet follows, or an old page) is each
    followed account read on its own, at most `limit` rows each from the index on
    (actor_id, id DESC): O(following x limit) index entries, whatever the size of the tables.
    """
    width = RECENT_SPAN * window.limit
    # The span starts at the page's edge: min_id going up, else max_id (or the newest id)
    # going down.
    edge = window.lower if window.ascending else window.max_id
    found = await conn.fetch(
        _home_query(window, recent=True),
        viewer_id,
        viewer_local,
        window.limit,
        edge,
        width,
        *window.where("x", 6)[1],
    )
    if len(found) < window.limit and not await _span_covers_page(conn, window, width):
        found = await conn.fetch(
            _home_query(window, recent=False),
            viewer_id,
            viewer_local,
            window.limit,
            *window.where("x", 4)[1],
        )
    return window.arrange([row["id"] for row in found])


async def _span_covers_page(conn: Any, window: HomeWindow, width: int) -> bool:
    """Whether the fast step's span held every id the page may have: a short answer is then
    the whole answer (the end of the timeline, or nothing new since min_id)."""
    newest = int(await conn.fetchval(f"SELECT {NEWEST_ID}"))
    if window.ascending:
        assert window.lower is not None
        high = window.lower + width + 1
        return high > newest or (window.max_id is not None and high >= window.max_id)
    top = window.max_id if window.max_id is not None else newest + 1
    return top - width - 1 <= (window.lower or 0)


def _home_query(window: HomeWindow, *, recent: bool) -> str:
    """The home timeline's SQL: $1 viewer, $2 viewer is local, $3 limit, then (when `recent`)
    $4 the page's edge and $5 the span's width, then the page's bounds.

    `joined` is the local groups the viewer is an approved member of (remote groups come in
    through `sources`, as boosts). A group post's author may be someone the viewer hides, so
    those posts are checked against `hidden` as mentions are."""
    visible = visible_sql("p", "$1", "$2")

    def bounds(column: str) -> str:
        if not recent:
            return window.where(column, 4)[0]
        page = window.where(column, 6)[0]
        if window.ascending:
            return f"{page} AND {column} <= $4::bigint + $5::bigint"
        return f"{page} AND {column} >= coalesce($4::bigint, {NEWEST_ID} + 1) - $5::bigint"

    # Posts in the viewer's groups: at most `limit` from each group through the index on
    # (group_id, id DESC), so that the cost is O(groups x limit) and nothing for someone in no
    # group. Folding the groups into the followed accounts' test (an OR) made the planner read
    # the span through a bitmap (1 -> 9 ms a page); `group_id = ANY (ARRAY(...))` read the whole
    # span through the primary key even with no group (+0.3 ms). The limit is written out (an
    # int from the page): as a parameter the generic plan guessed 10% of each group's posts,
    # so PostgreSQL planned the query anew on every call (+1.9 ms).
    group_posts = f"""
        SELECT p.id FROM joined g CROSS JOIN LATERAL (
            SELECT p.id FROM posts p
            WHERE p.group_id = g.group_id AND {bounds("p.id")} AND {visible}
              AND p.actor_id NOT IN (SELECT * FROM hidden)
            ORDER BY {window.order("p.id")} LIMIT {int(window.limit)}
        ) p
    """
    mentions = f"""
        (SELECT m.post_id FROM mentions m JOIN posts p ON p.id = m.post_id
         WHERE m.actor_id = $1 AND {bounds("m.post_id")} AND {visible}
           AND p.actor_id NOT IN (SELECT * FROM hidden)
         ORDER BY {window.order("m.post_id")} LIMIT $3)
    """
    if recent:
        # Only the span's ids, keeping followed accounts' rows. The accounts go in as an array:
        # a join with `sources` made the planner scan that list once per row (1.5 ms a page).
        posts = f"""
            (SELECT p.id FROM posts p
             WHERE {bounds("p.id")}
               AND p.actor_id = ANY (ARRAY(SELECT actor_id FROM sources))
               AND {visible}
               AND NOT EXISTS (SELECT 1 FROM picky s WHERE s.actor_id = p.actor_id
                               AND p.language IS NOT NULL AND p.language <> ALL (s.languages))
             ORDER BY {window.order("p.id")} LIMIT $3)
            UNION
            {group_posts}
        """
        boosts = f"""
            (SELECT b.id FROM boosts b JOIN posts p ON p.id = b.post_id
             WHERE {bounds("b.id")}
               AND b.actor_id = ANY (ARRAY(SELECT actor_id FROM sources WHERE show_reblogs))
               AND {visible} AND p.actor_id NOT IN (SELECT * FROM hidden)
             ORDER BY {window.order("b.id")} LIMIT $3)
        """
    else:
        posts = f"""
            SELECT p.id FROM sources s CROSS JOIN LATERAL (
                SELECT p.id FROM posts p
                WHERE p.actor_id = s.actor_id AND {bounds("p.id")} AND {visible}
                  AND (s.languages IS NULL OR p.language IS NULL
                       OR p.language = ANY(s.languages))
                ORDER BY {window.order("p.id")} LIMIT $3
            ) p
            UNION
            {group_posts}
        """
        boosts = f"""
            SELECT b.id FROM sources s CROSS JOIN LATERAL (
                SELECT b.id FROM boosts b JOIN posts p ON p.id = b.post_id
                WHERE b.actor_id = s.actor_id AND s.show_reblogs AND {bounds("b.id")}
                  AND {visible} AND p.actor_id NOT IN (SELECT * FROM hidden)
                ORDER BY {window.order("b.id")} LIMIT $3
            ) b
        """
    return f"""
        WITH hidden AS ({hidden_from("$1")}),
        sources AS (
            SELECT f.followee_id AS actor_id, f.show_reblogs, f.languages FROM follows f
            WHERE f.follower_id = $1 AND f.accepted
              AND f.followee_id NOT IN (SELECT * FROM hidden)
            UNION ALL SELECT $1, true, NULL
        ),
        picky AS (SELECT actor_id, languages FROM sources WHERE languages IS NOT NULL),
        joined AS (
            SELECT m.group_id FROM group_members m
            WHERE m.member_id = $1 AND m.state = 'member'
              AND m.group_id NOT IN (SELECT * FROM hidden)
        )
        SELECT id FROM ({posts} UNION {boosts} UNION {mentions}) found
        ORDER BY {window.order("id")} LIMIT $3
    """


async def public(
    conn: Any,
    viewer_id: int | None,
    viewer_local: bool,
    window: IdWindow,
    *,
    local: bool = False,
    remote: bool = False,
    only_media: bool = False,
) -> list[int]:
    """Public posts, newest first; replies only when they continue their author's own thread."""
    bounds, args = window.where("p.id", 4)
    conditions = [
        _public_for("p", "$2"),
        bounds,
        # Mastodon leaves replies out of the public timelines, except an author's own threads.
        # A scalar subquery looks up each reply's parent; an EXISTS here was hashed over every
        # post in the table (17 ms a page at 100,000 posts).
        "(p.in_reply_to_uri IS NULL"
        " OR (SELECT r.actor_id FROM posts r WHERE r.id = p.in_reply_to_id) = p.actor_id)",
        *_filters("p", local=local, remote=remote, only_media=only_media),
        not_silenced("p", "$1"),
    ]
    rows = await conn.fetch(
        f"SELECT p.id FROM posts p WHERE {' AND '.join(conditions)}"
        f" AND ($1::bigint IS NULL OR p.actor_id NOT IN ({hidden_from('$1')}))"
        f" ORDER BY {window.order('p.id')} LIMIT $3",
        viewer_id,
        viewer_local,
        window.limit,
        *args,
    )
    return window.arrange([row["id"] for row in rows])


async def tag(
    conn: Any,
    viewer_id: int | None,
    viewer_local: bool,
    window: IdWindow,
    name: str,
    *,
    any_of: list[str] | None = None,
    all_of: list[str] | None = None,
    none_of: list[str] | None = None,
    local: bool = False,
    remote: bool = False,
    only_media: bool = False,
) -> list[int]:
    """Public posts carrying the hashtag (or any of `any_of`), every one of `all_of` and none
    of `none_of`; names are matched without case or a leading #."""
    wanted = _tag_names([name, *(any_of or [])[:MAX_TAGS_PER_MODE]])
    every = _tag_names((all_of or [])[:MAX_TAGS_PER_MODE])
    excluded = _tag_names((none_of or [])[:MAX_TAGS_PER_MODE])
    bounds, args = window.where("p.id", 7)
    tag_bounds, _ = window.where("t.post_id", 7)
    conditions = [
        # Driven from the tag index: a rare tag does not scan every public post.
        f"p.id IN (SELECT t.post_id FROM post_tags t WHERE t.tag = ANY($4) AND {tag_bounds})",
        _public_for("p", "$2"),
        bounds,
        "(cardinality($5::text[]) = 0 OR (SELECT count(*) FROM post_tags t"
        " WHERE t.post_id = p.id AND t.tag = ANY($5)) = cardinality($5::text[]))",
        "NOT EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = ANY($6))",
        *_filters("p", local=local, remote=remote, only_media=only_media),
        not_silenced("p", "$1"),
    ]
    rows = await conn.fetch(
        f"SELECT p.id FROM posts p WHERE {' AND '.join(conditions)}"
        f" AND ($1::bigint IS NULL OR p.actor_id NOT IN ({hidden_from('$1')}))"
        f" ORDER BY {window.order('p.id')} LIMIT $3",
        viewer_id,
        viewer_local,
        window.limit,
        wanted,
        every,
        excluded,
        *args,
    )
    return window.arrange([row["id"] for row in rows])


def _tag_names(names: list[str]) -> list[str]:
    """Tags are stored lower-cased without their #; match them the same way."""
    return list(dict.fromkeys(n.strip().lstrip("#").lower() for n in names if n.strip("# ")))


def _public_for(post: str, viewer_local: str) -> str:
    """Public posts, and `local` ones for a local viewer: written so the partial index
    on (id DESC) WHERE visibility IN ('public', 'local') serves it. Silenced and suspended
    accounts are left out of every public timeline, as Mastodon does."""
    return (
        f"{post}.visibility IN ('public', 'local')"
        f" AND ({post}.visibility = 'public' OR {viewer_local})"
        f" AND {post}.actor_id NOT IN ({HIDDEN_FROM_PUBLIC_SQL})"
    )


def _filters(post: str, *, local: bool, remote: bool, only_media: bool) -> list[str]:
    found = []
    if local:
        found.append(f"{post}.local")
    if remote:
        found.append(f"NOT {post}.local")
    if only_media:
        found.append(f"EXISTS (SELECT 1 FROM media_attachments ma WHERE ma.post_id = {post}.id)")
    return found
