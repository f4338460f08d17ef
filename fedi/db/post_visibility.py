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
    return (
        f"({p}.visibility IN ('public', 'unlisted')"
        f" OR ({viewer}::bigint IS NOT NULL AND ("
        f"{p}.actor_id = {viewer}::bigint"
        f" OR ({p}.visibility = 'local' AND {viewer_local}::boolean)"
        # Group posts: approved members of the post's group; local ones only if confidential.
        # Looked up through posts by id, since a boost row (which has no group) may stand here.
        f" OR ({p}.visibility IN ('members', 'confidential')"
        f" AND ({p}.visibility = 'members' OR {viewer_local}::boolean)"
        f" AND EXISTS (SELECT 1 FROM posts gp JOIN group_members gm ON gm.group_id = gp.group_id"
        f" WHERE gp.id = {p}.id AND gm.member_id = {viewer}::bigint AND gm.state = 'member')"
        # ...and for a remote group's members-only post, its accepted local followers.
        f" OR ({p}.visibility = 'members' AND EXISTS (SELECT 1 FROM posts gp"
        f" JOIN follows gf ON gf.followee_id = gp.group_id WHERE gp.id = {p}.id"
        f" AND gf.follower_id = {viewer}::bigint AND gf.accepted)))"
        f" OR ({p}.visibility NOT IN ('local', 'members', 'confidential') AND ("
        f"EXISTS (SELECT 1 FROM mentions vm"
        f" WHERE vm.post_id = {p}.id AND vm.actor_id = {viewer}::bigint)"
        f" OR ({p}.visibility = 'followers' AND EXISTS (SELECT 1 FROM follows vf"
        f" WHERE vf.follower_id = {viewer}::bigint AND vf.followee_id = {p}.actor_id"
        " AND vf.accepted)))))))"
    )
