"""`fedi group ...` and `fedi space ...`: the node admin creates groups and spaces, adds members.

Bad input exits with status 2 and one line naming the problem, and changes nothing: what can be
checked without the database is checked before it is even opened, the rest is refused by the
same rules (and in the same single transaction) as the group API.
"""

import sys
from typing import Any

from fedi.config import Settings
from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db.actors import Actor
from fedi.db.database import open_pool
from fedi.db.groups import GROUP_VISIBILITIES, JOIN_POLICIES, ROLES, Group
from fedi.domain import groups
from fedi.domain.accounts import check_username
from fedi.domain.groups import NewGroup
from fedi.errors import FediError, InvalidInput, NotFound
from outbox.group_actions import GroupActions

BAD_INPUT = 2


def add_group_commands(commands: Any) -> None:
    """The `group` and `space` commands and their actions, on the top-level subparsers."""
    group = commands.add_parser("group", help="create and list groups, add members")
    actions = group.add_subparsers(dest="group_command", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="create a group owned by a local account",
        description="Create a group with its default space (general). Its visibility decides"
        " who may know it exists: public (everyone; posts federate), members (approved members"
        " on any node) or confidential (local members only; nothing ever leaves this node).",
    )
    create.add_argument("name", help="the group's short name: letters, digits and underscores")
    create.add_argument("--owner", required=True, help="the local account that will own it")
    create.add_argument(
        "--visibility", required=True, help="public, members or confidential (required)"
    )
    create.add_argument(
        "--join-policy", default="approval", help="open, approval (default) or invite"
    )
    create.add_argument("--display-name", default="", help="the name shown (the short name)")
    create.add_argument("--description", default="", help="what the group is for")

    add = actions.add_parser(
        "add-member",
        help="add a local account to a group directly",
        description="Make a local account a member at once, whatever the join policy.",
    )
    add.add_argument("group", help="the group's short name")
    add.add_argument("user", help="a local username")
    add.add_argument("--role", default="member", help="member (default), moderator, admin, owner")

    actions.add_parser("list", help="show every group of this node")

    space = commands.add_parser("space", help="create spaces in groups")
    space_actions = space.add_subparsers(dest="space_command", required=True, metavar="ACTION")
    space_create = space_actions.add_parser(
        "create",
        help="create a space in a group",
        description="Create a space; NAME is its name and, lower-cased, its short name. A"
        " space may be stricter than its group, never looser.",
    )
    space_create.add_argument("group", help="the group's short name")
    space_create.add_argument("name", help="1 to 40 letters, digits, - or _")
    space_create.add_argument(
        "--visibility", help="public, members or confidential (the group's if omitted)"
    )
    space_create.add_argument("--description", default="", help="what the space is for")


async def run_group(settings: Settings, args: Any) -> int:
    return await _run(settings, args, args.group_command)


async def run_space(settings: Settings, args: Any) -> int:
    return await _run(settings, args, f"space-{args.space_command}")


async def _run(settings: Settings, args: Any, action: str) -> int:
    from fedi.app import running_node

    try:
        # Refused before the database (perhaps an embedded one) is even started.
        _check(args, action)
        async with open_pool(settings, max_size=2) as pool, running_node(settings, pool) as node:
            group_actions = GroupActions(node.publisher)
            if action == "create":
                return await _create(group_actions, settings, args)
            if action == "add-member":
                return await _add_member(group_actions, settings, args)
            if action == "space-create":
                return await _create_space(group_actions, settings, args)
            return await _list(pool)
    except FediError as exc:
        print(f"fedi: error: {exc}", file=sys.stderr)
        return BAD_INPUT


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    value = value.strip().lower()
    if value not in choices:
        raise InvalidInput(f"{option} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _check(args: Any, action: str) -> None:
    """Normalise and validate the arguments in place; InvalidInput names the first bad one."""
    if action == "create":
        args.name = args.name.strip().removeprefix("@")
        check_username(args.name)
        args.owner = args.owner.strip().removeprefix("@")
        args.visibility = _choice(args.visibility, GROUP_VISIBILITIES, "--visibility")
        args.join_policy = _choice(args.join_policy, JOIN_POLICIES, "--join-policy")
        if len(args.display_name) > groups.MAX_NAME:
            raise InvalidInput(f"--display-name may have at most {groups.MAX_NAME} characters")
        if len(args.description) > groups.MAX_DESCRIPTION:
            raise InvalidInput(
                f"--description may have at most {groups.MAX_DESCRIPTION} characters"
            )
    elif action == "add-member":
        args.role = _choice(args.role, ROLES, "--role")
    elif action == "space-create":
        args.name = args.name.strip()
        if not groups.SLUG.match(args.name.lower()):
            raise InvalidInput(
                f"space name {args.name!r} must be 1 to 40 letters, digits, - or _"
                " (it is also the space's short name)"
            )
        if args.visibility is not None:
            args.visibility = _choice(args.visibility, GROUP_VISIBILITIES, "--visibility")
        if len(args.description) > groups.MAX_DESCRIPTION:
            raise InvalidInput(
                f"--description may have at most {groups.MAX_DESCRIPTION} characters"
            )


async def _local_account(conn: Any, name: str) -> Actor:
    username = name.strip().removeprefix("@")
    found = await actors_db.local_by_username(conn, username, "Person")
    if found is None:
        raise NotFound(f"no local account {username!r}")
    return found


async def _group(conn: Any, settings: Settings, name: str) -> Group:
    username = name.strip().removeprefix("@").removesuffix(f"@{settings.domain}")
    found = await groups.group_by_name(conn, username)
    if found is None:
        raise NotFound(f"no group {username!r} on this node")
    return found


async def _create(group_actions: GroupActions, settings: Settings, args: Any) -> int:
    async with group_actions.pool.acquire() as conn:
        owner = await _local_account(conn, args.owner)
    new = NewGroup(
        username=args.name,
        display_name=args.display_name.strip(),
        summary=args.description.strip(),
        visibility=args.visibility,
        join_policy=args.join_policy,
    )
    group, space = await group_actions.create_group(owner, new)
    print(
        f"created {group.visibility} group @{group.actor.username}@{settings.domain}"
        f" owned by @{owner.username} (join policy {group.settings.join_policy};"
        f" default space {space.slug})"
    )
    return 0


async def _add_member(group_actions: GroupActions, settings: Settings, args: Any) -> int:
    async with group_actions.pool.acquire() as conn:
        group = await _group(conn, settings, args.group)
        member = await _local_account(conn, args.user)
    found = await group_actions.add_member(group.id, member, args.role)
    print(f"added @{member.username} to @{group.actor.username} as {found.role}")
    return 0


async def _acting_owner(conn: Any, group: Group) -> Actor:
    """The owner the node admin acts through: the group's rules ask for an admin of it."""
    owners = [a for m, a in await groups_db.members(conn, group.id) if m.role == "owner"]
    if not owners:
        raise NotFound(f"the group {group.actor.username!r} has no owner")
    creator = [a for a in owners if a.id == group.settings.created_by]
    return (creator or owners)[0]


async def _create_space(group_actions: GroupActions, settings: Settings, args: Any) -> int:
    async with group_actions.pool.acquire() as conn:
        group = await _group(conn, settings, args.group)
        owner = await _acting_owner(conn, group)
    space = await group_actions.create_space(
        owner,
        group.id,
        slug=args.name.lower(),
        name=args.name,
        description=args.description.strip(),
        visibility=args.visibility,
    )
    print(f"created {space.visibility} space {space.slug} in @{group.actor.username}")
    return 0


async def _list(pool: Any) -> int:
    async with pool.acquire() as conn:
        settings = await groups_db.list_settings(conn)
        actors = {a.id: a for a in await actors_db.by_ids(conn, [s.actor_id for s in settings])}
        counts = await groups_db.member_counts(conn, [s.actor_id for s in settings])
        spaces = {s.actor_id: len(await groups_db.spaces_of(conn, s.actor_id)) for s in settings}
    print(f"{len(settings)} group(s)")
    for entry in settings:
        actor = actors[entry.actor_id]
        members = counts.get(entry.actor_id, (0, 0))[0]
        name = f"  {actor.display_name}" if actor.display_name != actor.username else ""
        print(
            f"{actor.username}  {entry.visibility}  {entry.join_policy}"
            f"  {members} member(s)  {spaces[entry.actor_id]} space(s){name}"
        )
    return 0
