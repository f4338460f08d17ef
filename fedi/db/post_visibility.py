"""fedi.domain.posts.may_see as an SQL condition, so that lists filter in the database.

The two must agree for every visibility and every kind of viewer; a test holds them together.
"""


def visible_sql(alias: str, viewer: str, viewer_local: str) -> str:
    """True when the viewer may see the post `alias`, clause for clause as `may_see`.

    `viewer` is the SQL for the viewer's actor id (NULL: anonymous) and `viewer_local` for
    whether that actor is a local one. A boost row may stand in for a post: its id never
    matches a mention, since boosts and posts share one id sequence.
    """
    p = alias
    # The post's group, looked up through posts by id (a boost row may stand here): as a scalar
    # subquery, so that each post is checked with two index probes. A join on posts inside the
    # EXISTS was hashed over every post of every group the viewer is in (1.3 ms a home page at
    # 12,000 group posts, growing with the groups).
    group_of = f"(SELECT gp.group_id FROM posts gp WHERE gp.id = {p}.id)"
    return (
        f"({p}.visibility IN ('public', 'unlisted')"
        f" OR ({viewer}::bigint IS NOT NULL AND ("
        f"({p}.actor_id = {viewer}::bigint"
        f" AND ({p}.visibility <> 'confidential' OR {viewer_local}::boolean))"
        f" OR ({p}.visibility = 'local' AND {viewer_local}::boolean)"
        # Group posts: approved members of the post's group; local ones only if confidential.
        # Looked up through posts by id, since a boost row (which has no group) may stand here.
        f" OR ({p}.visibility IN ('members', 'confidential')"
        f" AND ({p}.visibility = 'members' OR {viewer_local}::boolean)"
        f" AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = {group_of}"
        f" AND gm.member_id = {viewer}::bigint AND gm.state = 'member')"
        # ...and for a remote group's members-only post, its accepted local followers (a local
        # group's members are its approved rows only: following its actor is not joining).
        f" OR ({p}.visibility = 'members' AND EXISTS (SELECT 1 FROM follows gf"
        f" WHERE gf.followee_id = {group_of}"
        f" AND gf.follower_id = {viewer}::bigint AND gf.accepted"
        f" AND NOT EXISTS (SELECT 1 FROM groups lg WHERE lg.actor_id = gf.followee_id))))"
        f" OR ({p}.visibility NOT IN ('local', 'members', 'confidential') AND ("
        f"EXISTS (SELECT 1 FROM mentions vm"
        f" WHERE vm.post_id = {p}.id AND vm.actor_id = {viewer}::bigint)"
        f" OR ({p}.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows vf"
        f" WHERE vf.follower_id = {viewer}::bigint AND vf.followee_id = {p}.actor_id"
        " AND vf.accepted)))))))"
    )
