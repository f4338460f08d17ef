"""Groups and spaces: who may see, join, post and moderate, and what a visibility change does.

The rules here are the first half of confidentiality (the second is the outbound chokepoint in
fedi/domain/confidential.py): a confidential group has local members only, and its posts are
stored with visibility `confidential`, which no path ever federates.
"""

import re
from dataclasses import dataclass
from typing import Any

from activitypub.vocab import PUBLIC
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.groups import (
    GROUP_VISIBILITIES,
    JOIN_POLICIES,
    ROLES,
    Group,
    Membership,
    Space,
)
from fedi.db.posts import Post
from fedi.domain.accounts import check_username, create_local_actor
from fedi.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedi.urls import Urls

# Strictness: a space is never looser than its group, a post never looser than its space.
VISIBILITY_RANK = {"public": 0, "members": 1, "confidential": 2}
ROLE_RANK = {"member": 0, "moderator": 1, "admin": 2, "owner": 3}
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_NAME = 100
MAX_DESCRIPTION = 2_000
MAX_RULES = 20
MAX_RULE = 500
DEFAULT_SPACE_SLUG = "general"


@dataclass(frozen=True)
class NewGroup:
    username: str
    display_name: str = ""
    summary: str = ""
    visibility: str = "public"
    join_policy: str = "approval"
    language: str | None = None
    rules: tuple[str, ...] = ()


def stricter(a: str, b: str) -> str:
    """The stricter of two group/space/post visibilities."""
    return a if VISIBILITY_RANK[a] >= VISIBILITY_RANK[b] else b


def post_visibility(group_visibility: str, space_visibility: str) -> str:
    """The visibility of a post written in this space: the strictest of group and space."""
    return stricter(group_visibility, space_visibility)


def group_post_visibility(post_visibility: str, place_visibility: str) -> str:
    """A post's visibility once in a group or space of `place_visibility`: never looser than
    either, neither in who may read it nor in whether it may leave this node.

    A public place keeps the post's own (public, unlisted, local...). A members place makes it
    members, except a local-only post, which becomes confidential (local members only: the
    meet of "local accounts" and "members"). A confidential place makes it confidential.
    """
    if place_visibility == "public":
        return post_visibility
    if place_visibility == "confidential" or post_visibility in ("local", "confidential"):
        return "confidential"
    return "members"


def looser_than(visibility: str) -> tuple[str, ...]:
    return tuple(v for v in GROUP_VISIBILITIES if VISIBILITY_RANK[v] < VISIBILITY_RANK[visibility])


def _check_choice(value: str, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise InvalidInput(f"{what} must be one of {', '.join(choices)}, not {value!r}")


def _check_rules(rules: tuple[str, ...] | list[str]) -> None:
    if len(rules) > MAX_RULES:
        raise InvalidInput(f"a group may have at most {MAX_RULES} rules")
    for rule in rules:
        if not rule.strip() or len(rule) > MAX_RULE:
            raise InvalidInput(f"each rule must have 1 to {MAX_RULE} characters")


def _check_text(name: str, description: str) -> None:
    if len(name) > MAX_NAME:
        raise InvalidInput(f"a name may have at most {MAX_NAME} characters")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"a description may have at most {MAX_DESCRIPTION} characters")


async def group_by_id(conn: Any, actor_id: int) -> Group | None:
    settings = await groups_db.settings_of(conn, actor_id)
    if settings is None:
        return None
    actor = await actors_db.by_id(conn, actor_id)
    assert actor is not None
    return Group(actor, settings)


async def group_by_name(conn: Any, username: str) -> Group | None:
    actor = await actors_db.local_by_username(conn, username, "Group")
    return None if actor is None else await group_by_id(conn, actor.id)


async def group_by_uri(conn: Any, uri: str) -> Group | None:
    actor = await actors_db.by_uri(conn, uri)
    if actor is None or not actor.local or actor.actor_type != "Group":
        return None
    return await group_by_id(conn, actor.id)


async def create_group(
    conn: Any, urls: Urls, domain: str, owner: Actor, new: NewGroup
) -> tuple[Group, Space]:
    """A new local group owned by `owner`, with its default space (caller's transaction)."""
    check_username(new.username)
    _check_choice(new.visibility, GROUP_VISIBILITIES, "visibility")
    _check_choice(new.join_policy, JOIN_POLICIES, "join_policy")
    _check_rules(new.rules)
    _check_text(new.display_name, new.summary)
    if not owner.local or owner.actor_type != "Person":
        raise Forbidden("only local accounts create groups")
    actor = await create_local_actor(
        conn,
        urls,
        domain,
        actor_type="Group",
        username=new.username,
        display_name=new.display_name or new.username,
        summary=new.summary,
        manually_approves_followers=new.join_policy != "open",
        discoverable=new.visibility == "public",
    )
    settings = await groups_db.insert_settings(
        conn,
        actor.id,
        visibility=new.visibility,
        join_policy=new.join_policy,
        language=new.language,
        rules=list(new.rules),
        created_by=owner.id,
    )
    await groups_db.put_membership(conn, actor.id, owner.id, state="member", role="owner")
    group = Group(actor, settings)
    space = await groups_db.insert_space(
        conn,
        group_id=actor.id,
        uri=space_uri(group, DEFAULT_SPACE_SLUG),
        slug=DEFAULT_SPACE_SLUG,
        name="General",
        description="",
        visibility=new.visibility,
        is_default=True,
    )
    return group, space


def space_uri(group: Group, slug: str) -> str:
    return f"{group.uri}/spaces/{slug}"


# Who is who


async def membership(conn: Any, group: Group, actor: Actor | None) -> Membership | None:
    if actor is None:
        return None
    return await groups_db.membership(conn, group.id, actor.id)


async def is_member(conn: Any, group_id: int, actor_id: int) -> bool:
    found = await groups_db.membership(conn, group_id, actor_id)
    return found is not None and found.state == "member"


async def role_of(conn: Any, group: Group, actor: Actor | None) -> str | None:
    """The actor's role if an approved member, else None."""
    found = await membership(conn, group, actor)
    return found.role if found is not None and found.state == "member" else None


async def require_role(conn: Any, group: Group, actor: Actor, minimum: str) -> str:
    role = await role_of(conn, group, actor)
    if role is None or ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise Forbidden(f"this needs the group role {minimum} or higher")
    return role


async def may_see_group(conn: Any, group: Group, viewer: Actor | None) -> bool:
    """Whether the group exists at all for this viewer (its page, actor, collections)."""
    if group.visibility == "public":
        return True
    if viewer is None:
        return False
    if group.visibility == "confidential" and not viewer.local:
        return False
    found = await membership(conn, group, viewer)
    if found is None:
        return False
    # Someone invited or asking must be able to see what they are invited to or asked for.
    return found.state in ("member", "invited", "pending")


async def visible_group(conn: Any, viewer: Actor | None, group_id: int) -> Group:
    """The group, if the viewer may know it exists; else the same 404 as for no group."""
    group = await group_by_id(conn, group_id)
    if group is None or not await may_see_group(conn, group, viewer):
        raise NotFound("Record not found")
    return group


async def may_see_group_post(conn: Any, post: Post, viewer: Actor | None) -> bool:
    """For posts with visibility members or confidential: approved members of the post's group
    (local ones only when confidential), and the author."""
    if viewer is None:
        return False
    if post.visibility == "confidential" and not viewer.local:
        return False  # not even its remote author (who wrote it when the group was looser)
    if viewer.id == post.actor_id:
        return True
    if post.group_id is None:
        return False
    if await is_member(conn, post.group_id, viewer.id):
        return True
    if post.visibility != "members" or await groups_db.settings_of(conn, post.group_id):
        # A local group's members are its approved rows: following its actor is not joining.
        return False
    # A remote group's members-only post: its local members are its accepted followers here.
    return await follows_db.is_following(conn, viewer.id, post.group_id)


async def may_post(conn: Any, group: Group, space: Space, author: Actor) -> None:
    """Raise unless the author may post in this space of the group."""
    if space.group_id != group.id:
        raise InvalidInput("that space belongs to another group")
    if group.visibility == "confidential" and not author.local:
        raise Forbidden("a confidential group takes posts from its local members only")
    found = await membership(conn, group, author)
    if found is None or found.state != "member":
        raise Forbidden("only members of the group may post in it")


@dataclass(frozen=True)
class GroupPlace:
    """Where a new post goes in a local group, and the visibility it gets there."""

    group: Group
    space: Space
    visibility: str


async def place_for_post(
    conn: Any, author: Actor, group_id: int, space_id: int | None
) -> GroupPlace:
    """The group and space a post goes to, if the author may post there (else the same 404 a
    stranger gets for a group they may not see, or a 403 for one they see but may not use)."""
    group = await visible_group(conn, author, group_id)
    space = await space_for_post(conn, group, space_id)
    # Read both again under a share lock: a visibility change waits for this post's transaction
    # (and tightens the post with the others), or this post waits for it and sees the new one.
    group, space = await locked_place(conn, group, space)
    await may_post(conn, group, space, author)
    return GroupPlace(group, space, post_visibility(group.visibility, space.visibility))


async def locked_place(conn: Any, group: Group, space: Space) -> tuple[Group, Space]:
    """The group's settings and the space as committed now, share-locked (group first): what
    puts a post into a space reads them so, and a visibility change cannot cross it."""
    settings = await groups_db.lock_settings(conn, group.id)
    locked = await groups_db.lock_space(conn, space.id)
    if settings is None or locked is None:
        raise NotFound("no such space in this group")
    return Group(group.actor, settings), locked


def group_addressing(
    group: Group, visibility: str, author: Actor, mentioned: list[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`to` and `cc` of a group post: public ones to everyone and the group (FEP-1b12), members
    ones to the group's members collection only, confidential ones to nobody."""
    if visibility == "public":
        assert author.followers_url is not None
        return (PUBLIC, group.uri), (author.followers_url, *dict.fromkeys(mentioned))
    if visibility == "unlisted":
        assert author.followers_url is not None
        return (author.followers_url, group.uri), (PUBLIC, *dict.fromkeys(mentioned))
    if visibility == "members":
        return (group.members_url, group.uri), ()
    return (), ()


async def space_for_post(conn: Any, group: Group, space_id: int | None) -> Space:
    space = (
        await groups_db.space_by_id(conn, space_id)
        if space_id is not None
        else await groups_db.default_space(conn, group.id)
    )
    if space is None or space.group_id != group.id:
        raise NotFound("no such space in this group")
    return space


# Joining and leaving


async def request_membership(
    conn: Any,
    group: Group,
    actor: Actor,
    *,
    request_uri: str | None = None,
    request_type: str | None = None,
) -> Membership:
    """A local or remote actor asks to join (a remote by Follow or Join). Returns the row: state
    `member` when accepted at once, `pending` when a moderator must decide."""
    found = await membership(conn, group, actor)
    if found is not None and found.state == "banned":
        raise Forbidden("you are banned from this group")
    if not actor.local and group.visibility == "confidential":
        raise Forbidden("a confidential group has local members only")
    if actor.actor_type == "Group" or actor.actor_type == "Application":
        raise InvalidInput("only people join groups")
    if found is not None and found.state == "member":
        if request_uri is not None:
            return await groups_db.put_membership(
                conn,
                group.id,
                actor.id,
                state="member",
                request_uri=request_uri,
                request_type=request_type,
            )
        return found
    invited = found is not None and found.state == "invited"
    if invited:
        state = "member"
    elif group.settings.join_policy == "invite":
        raise Forbidden("this group takes members by invitation only")
    elif group.settings.join_policy == "open" and (actor.local or group.visibility == "public"):
        state = "member"
    else:
        state = "pending"
    return await groups_db.put_membership(
        conn,
        group.id,
        actor.id,
        state=state,
        request_uri=request_uri,
        request_type=request_type,
    )


async def answer_request(
    conn: Any, group: Group, moderator: Actor, member_id: int, *, accept: bool
) -> Membership:
    """A moderator approves or refuses a pending request."""
    await require_role(conn, group, moderator, "moderator")
    found = await groups_db.membership(conn, group.id, member_id)
    if found is None or found.state != "pending":
        raise NotFound("no such membership request")
    if accept:
        updated = await groups_db.put_membership(conn, group.id, member_id, state="member")
    else:
        removed = await groups_db.remove_membership(conn, group.id, member_id)
        assert removed is not None
        updated = removed
    action = "approve_request" if accept else "reject_request"
    await groups_db.log_moderation(conn, group.id, moderator.id, action, target_actor_id=member_id)
    return updated


async def invite(conn: Any, group: Group, inviter: Actor, invitee: Actor) -> Membership:
    await require_role(conn, group, inviter, "moderator")
    if invitee.actor_type != "Person" and invitee.actor_type != "Service":
        raise InvalidInput("only people can be invited")
    if not invitee.local and group.visibility == "confidential":
        raise Forbidden("a confidential group has local members only")
    found = await membership(conn, group, invitee)
    if found is not None and found.state == "member":
        raise Conflict("already a member")
    if found is not None and found.state == "banned":
        raise Forbidden("this account is banned from the group; unban it first")
    if found is not None and found.state == "pending":
        return await groups_db.put_membership(conn, group.id, invitee.id, state="member")
    entry = await groups_db.put_membership(
        conn, group.id, invitee.id, state="invited", invited_by=inviter.id
    )
    await groups_db.log_moderation(conn, group.id, inviter.id, "invite", target_actor_id=invitee.id)
    return entry


async def leave(conn: Any, group: Group, actor: Actor) -> Membership | None:
    """The actor leaves (or withdraws a request, or declines an invitation). The last owner
    may not leave: a group without an owner could never be administered again."""
    found = await membership(conn, group, actor)
    if found is None or found.state == "banned":
        return None
    if found.role == "owner" and found.state == "member":
        owners = [
            m
            for m, _ in await groups_db.members(conn, group.id)
            if m.role == "owner" and m.member_id != actor.id
        ]
        if not owners:
            raise Conflict("the group's last owner cannot leave; make someone else owner first")
    return await groups_db.remove_membership(conn, group.id, actor.id)


async def set_role(conn: Any, group: Group, admin: Actor, member_id: int, role: str) -> Membership:
    _check_choice(role, ROLES, "role")
    acting = await require_role(conn, group, admin, "admin")
    if ROLE_RANK[role] >= ROLE_RANK["admin"] and acting != "owner":
        raise Forbidden("only an owner may make admins or owners")
    target = await groups_db.membership(conn, group.id, member_id)
    if target is None or target.state != "member":
        raise NotFound("no such member")
    if target.role == "owner" and acting != "owner":
        raise Forbidden("only an owner may change an owner's role")
    if acting != "owner" and member_id != admin.id and ROLE_RANK[target.role] >= ROLE_RANK[acting]:
        raise Forbidden("you may only change the roles of members below your own role")
    if target.role == "owner" and role != "owner" and member_id == admin.id:
        owners = [m for m, _ in await groups_db.members(conn, group.id) if m.role == "owner"]
        if len(owners) == 1:
            raise Conflict("the group's last owner cannot step down")
    updated = await groups_db.set_role(conn, group.id, member_id, role)
    assert updated is not None
    await groups_db.log_moderation(
        conn, group.id, admin.id, f"set_role:{role}", target_actor_id=member_id
    )
    return updated


async def ban(
    conn: Any, group: Group, moderator: Actor, member_id: int, reason: str = ""
) -> Membership:
    acting = await require_role(conn, group, moderator, "moderator")
    if member_id == moderator.id:
        raise InvalidInput("you cannot ban yourself")
    if await actors_db.by_id(conn, member_id) is None:
        raise NotFound("no such account")
    target = await groups_db.membership(conn, group.id, member_id)
    outranks = target is not None and ROLE_RANK[target.role] >= ROLE_RANK[acting]
    if outranks and target is not None and target.state == "member":
        raise Forbidden("you may only ban members below your own role")
    entry = await groups_db.put_membership(conn, group.id, member_id, state="banned")
    if entry.role != "member":
        entry = await groups_db.set_role(conn, group.id, member_id, "member") or entry
    await groups_db.log_moderation(
        conn, group.id, moderator.id, "ban", target_actor_id=member_id, reason=reason
    )
    return entry


async def unban(conn: Any, group: Group, moderator: Actor, member_id: int) -> None:
    await require_role(conn, group, moderator, "moderator")
    target = await groups_db.membership(conn, group.id, member_id)
    if target is None or target.state != "banned":
        raise NotFound("this account is not banned from the group")
    await groups_db.remove_membership(conn, group.id, member_id)
    await groups_db.log_moderation(conn, group.id, moderator.id, "unban", target_actor_id=member_id)


# Changing visibility


async def set_visibility(conn: Any, group: Group, admin: Actor, visibility: str) -> Group:
    """Tightening takes effect at once: looser spaces and posts become as strict as the group,
    remote members of a now-confidential group are dropped. Loosening changes the group only:
    what was written under the stricter visibility keeps it."""
    _check_choice(visibility, GROUP_VISIBILITIES, "visibility")
    await require_role(conn, group, admin, "admin")
    # Locked first: posts written into the group meanwhile wait, then see the new visibility.
    current = await groups_db.lock_settings(conn, group.id, for_update=True)
    if current is None:
        raise NotFound("Record not found")
    if visibility == current.visibility:
        return Group(group.actor, current)
    looser = looser_than(visibility)
    if looser:
        await groups_db.tighten_spaces(conn, group.id, looser, visibility)
        tightened = await groups_db.tighten_group_posts(
            conn, group_id=group.id, space_id=None, to=visibility
        )
        # What was queued under the looser visibility must not go out as it was addressed.
        confidential = visibility == "confidential"
        await groups_db.withdraw_deliveries(
            conn,
            tightened,
            actor_id=group.id if confidential else None,
            reason=f"withdrawn: the group became {visibility}",
        )
    if visibility == "confidential":
        await groups_db.drop_remote_members(conn, group.id)
    settings = await groups_db.update_settings(conn, group.id, visibility=visibility)
    actor = await conn.fetchrow(
        "UPDATE actors SET discoverable = $2 WHERE id = $1 RETURNING id",
        group.id,
        visibility == "public",
    )
    assert actor is not None
    await groups_db.log_moderation(conn, group.id, admin.id, f"set_visibility:{visibility}")
    refreshed = await actors_db.by_id(conn, group.id)
    assert refreshed is not None
    return Group(refreshed, settings)


async def update_settings(
    conn: Any,
    group: Group,
    admin: Actor,
    *,
    join_policy: str | None = None,
    language: str | None = None,
    rules: list[str] | None = None,
) -> Group:
    await require_role(conn, group, admin, "admin")
    values: dict[str, Any] = {}
    if join_policy is not None:
        _check_choice(join_policy, JOIN_POLICIES, "join_policy")
        values["join_policy"] = join_policy
        await conn.execute(
            "UPDATE actors SET manually_approves_followers = $2 WHERE id = $1",
            group.id,
            join_policy != "open",
        )
    if language is not None:
        values["language"] = language or None
    if rules is not None:
        _check_rules(rules)
        values["rules"] = rules
    settings = await groups_db.update_settings(conn, group.id, **values)
    refreshed = await actors_db.by_id(conn, group.id)
    assert refreshed is not None
    return Group(refreshed, settings)


# Spaces


async def create_space(
    conn: Any,
    group: Group,
    actor: Actor,
    *,
    slug: str,
    name: str,
    description: str = "",
    visibility: str | None = None,
) -> Space:
    await require_role(conn, group, actor, "admin")
    slug = slug.lower()
    if not SLUG.match(slug):
        raise InvalidInput(
            "a space's short name must be 1 to 40 lower-case letters, digits, - or _"
        )
    chosen = visibility or group.visibility
    _check_choice(chosen, GROUP_VISIBILITIES, "visibility")
    if VISIBILITY_RANK[chosen] < VISIBILITY_RANK[group.visibility]:
        raise InvalidInput(
            f"a space cannot be looser than its group ({group.visibility}), not {chosen}"
        )
    _check_text(name, description)
    if not name.strip():
        raise InvalidInput("a space needs a name")
    if await groups_db.space_by_slug(conn, group.id, slug) is not None:
        raise Conflict(f"this group already has a space called {slug!r}")
    space = await groups_db.insert_space(
        conn,
        group_id=group.id,
        uri=space_uri(group, slug),
        slug=slug,
        name=name.strip(),
        description=description,
        visibility=chosen,
        is_default=False,
    )
    await groups_db.log_moderation(conn, group.id, actor.id, f"create_space:{slug}")
    return space


async def update_space(
    conn: Any,
    group: Group,
    actor: Actor,
    space: Space,
    *,
    name: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> Space:
    await require_role(conn, group, actor, "admin")
    if space.group_id != group.id:
        raise NotFound("no such space in this group")
    group, space = await _locked_for_change(conn, group, space)
    values: dict[str, Any] = {}
    if name is not None:
        if not name.strip():
            raise InvalidInput("a space needs a name")
        values["name"] = name.strip()
    if description is not None:
        values["description"] = description
    _check_text(values.get("name", ""), values.get("description", ""))
    if visibility is not None and visibility != space.visibility:
        _check_choice(visibility, GROUP_VISIBILITIES, "visibility")
        if VISIBILITY_RANK[visibility] < VISIBILITY_RANK[group.visibility]:
            raise InvalidInput(
                f"a space cannot be looser than its group ({group.visibility}), not {visibility}"
            )
        values["visibility"] = visibility
        tightened = await groups_db.tighten_group_posts(
            conn, group_id=group.id, space_id=space.id, to=visibility
        )
        await groups_db.withdraw_deliveries(
            conn, tightened, reason=f"withdrawn: the space became {visibility}"
        )
        await groups_db.log_moderation(
            conn, group.id, actor.id, f"space_visibility:{space.slug}:{visibility}"
        )
    return await groups_db.update_space(conn, space.id, **values)


async def _locked_for_change(conn: Any, group: Group, space: Space) -> tuple[Group, Space]:
    """The group (share-locked) and the space (locked for update) as committed now."""
    settings = await groups_db.lock_settings(conn, group.id)
    locked = await groups_db.lock_space(conn, space.id, for_update=True)
    if settings is None or locked is None or locked.group_id != group.id:
        raise NotFound("no such space in this group")
    return Group(group.actor, settings), locked


async def move_post(conn: Any, group: Group, moderator: Actor, post: Post, target: Space) -> str:
    """Move a post to another space of its group; returns its visibility afterwards, which is
    never looser than before (moving to a looser space publishes nothing)."""
    if post.group_id != group.id:
        raise NotFound("no such post in this group")
    if target.group_id != group.id:
        raise NotFound("no such space in this group")
    if post.actor_id != moderator.id:
        await require_role(conn, group, moderator, "moderator")
    elif not await is_member(conn, group.id, moderator.id):
        raise Forbidden("only members of the group may move posts in it")
    # The target and the post as committed now, locked: a visibility change of the group or
    # the space at the same moment cannot leave the moved post looser than its new place.
    group, target = await locked_place(conn, group, target)
    current = await groups_db.lock_post_visibility(conn, post.id)
    if current is None:
        raise NotFound("no such post in this group")
    in_space = group_post_visibility(current, target.visibility)
    visibility = group_post_visibility(in_space, group.visibility)
    await groups_db.move_post(conn, post.id, target.id, visibility)
    await groups_db.log_moderation(
        conn, group.id, moderator.id, f"move_post:{target.slug}", target_post_id=post.id
    )
    return visibility


# What a viewer may read of a group it sees (the group API)


async def may_see_space(conn: Any, group: Group, space: Space, viewer: Actor | None) -> bool:
    """A public space is seen by whoever sees its group; a stricter one by the group's approved
    members only (local ones for a confidential space), as its posts are."""
    if space.group_id != group.id or not await may_see_group(conn, group, viewer):
        return False
    if space.visibility == "public":
        return True
    if viewer is None or (space.visibility == "confidential" and not viewer.local):
        return False
    return await is_member(conn, group.id, viewer.id)


async def visible_space(conn: Any, group: Group, viewer: Actor | None, space_id: int) -> Space:
    """The space, if the viewer may see it; else the same 404 as for no space."""
    space = await groups_db.space_by_id(conn, space_id)
    if space is None or not await may_see_space(conn, group, space, viewer):
        raise NotFound("Record not found")
    return space


async def visible_spaces(conn: Any, group: Group, viewer: Actor | None) -> list[Space]:
    return [
        space
        for space in await groups_db.spaces_of(conn, group.id)
        if await may_see_space(conn, group, space, viewer)
    ]


async def member_list_shows_shielded(
    conn: Any, group: Group, viewer: Actor | None, state: str
) -> bool:
    """Raise unless the viewer may list the group's rows in `state`; the answer is whether
    shielded members are listed too.

    Requests, invitations and bans are for moderators. Approved members are listed to anyone
    who sees a public group and to fellow members of any group; a shielded member only to
    fellow members, as it is left out of every directory.
    """
    _check_choice(state, groups_db.MEMBER_STATES, "state")
    if viewer is not None and state != "member":
        await require_role(conn, group, viewer, "moderator")
        return True
    if state != "member":
        raise Forbidden("this needs the group role moderator or higher")
    fellow = viewer is not None and await is_member(conn, group.id, viewer.id)
    if not fellow and group.visibility != "public":
        raise Forbidden("only the group's members see who belongs to it")
    return fellow


async def add_member(conn: Any, group: Group, member: Actor, role: str = "member") -> Membership:
    """The node's admin puts a local account straight into a group (the command line): no
    request, no invitation, whatever the join policy."""
    _check_choice(role, ROLES, "role")
    if not member.local or member.actor_type != "Person":
        raise InvalidInput(f"{member.username} is not a local account")
    found = await membership(conn, group, member)
    if found is not None and found.state == "banned":
        raise Conflict(f"{member.username} is banned from this group; unban them first")
    if found is not None and found.state == "member":
        raise Conflict(f"{member.username} is already a member ({found.role})")
    entry = await groups_db.put_membership(conn, group.id, member.id, state="member", role=role)
    await groups_db.log_moderation(
        conn, group.id, None, f"add_member:{role}", target_actor_id=member.id
    )
    return entry


async def note_place(conn: Any, post: Post) -> tuple[Actor | None, Space | None]:
    """The group (local or remote) and the space a post's Note names as `audience` and
    `target` (fedi.federation.notes.post_to_note), for every path that renders the Note."""
    if post.group_id is None:
        return None, None
    group = await actors_db.by_id(conn, post.group_id)
    space = None if post.space_id is None else await groups_db.space_by_id(conn, post.space_id)
    return group, space
