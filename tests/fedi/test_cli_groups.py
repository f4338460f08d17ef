"""`fedi group ...` and `fedi space ...` run as the admin runs them: real processes on a real
database."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fedi.config import load_settings
from fedi.db import groups as groups_db
from fedi.db.database import create_pool
from fedi.db.migrate import migrate
from fedi.domain import groups
from fedi.domain.accounts import create_user
from fedi.urls import Urls
from tests.conftest import DatabaseFactory
from tests.support.cli import DOMAIN, CliNode, empty_tables

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Node(CliNode):
    async def fails(self, *args: str) -> str:
        """The one line of a refused command (exit status 2), without its `fedi: error: `."""
        run = await self.fedi(*args)
        assert run.code == 2, (run.out, run.err)
        assert run.out == ""
        lines = run.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("fedi: error: "), run.err
        return lines[0].removeprefix("fedi: error: ")

    async def user(self, name: str) -> None:
        settings = load_settings(
            {"FEDI_DOMAIN": DOMAIN, "FEDI_DATA_DIR": str(self.folder), "DATABASE_URL": self.dsn}
        )
        await create_user(self.pool, Urls.for_settings(settings), DOMAIN, name)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(databases: DatabaseFactory) -> AsyncIterator[tuple[str, Any]]:
    dsn = await databases.create("cli_groups")
    pool = await create_pool(dsn, max_size=2)
    await migrate(pool)
    yield dsn, pool
    await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def node(database: tuple[str, Any], tmp_path: Path) -> Node:
    dsn, pool = database
    await empty_tables(pool)
    node = Node(dsn, tmp_path, pool)
    await node.user("alice")
    await node.user("bob")
    return node


async def test_create_a_group_add_a_member_make_a_space_and_list(node: Node) -> None:
    out = await node.ok(
        "group",
        "create",
        "circle",
        "--owner",
        "alice",
        "--visibility",
        "Members",
        "--join-policy",
        "invite",
        "--display-name",
        "The circle",
    )
    assert out == (
        "created members group @circle@cli.test owned by @alice"
        " (join policy invite; default space general)\n"
    )
    async with node.pool.acquire() as conn:
        group = await groups.group_by_name(conn, "circle")
        assert group is not None and group.actor.display_name == "The circle"
        assert (group.visibility, group.settings.join_policy) == ("members", "invite")
        owner = [(m.role, a.username) for m, a in await groups_db.members(conn, group.id)]
        assert owner == [("owner", "alice")]

    added = await node.ok("group", "add-member", "circle", "bob", "--role", "moderator")
    assert added == "added @bob to @circle as moderator\n"
    async with node.pool.acquire() as conn:
        rows = {a.username: (m.role, m.state) for m, a in await groups_db.members(conn, group.id)}
        assert rows == {"alice": ("owner", "member"), "bob": ("moderator", "member")}

    made = await node.ok(
        "space",
        "create",
        "circle",
        "Campaign",
        "--visibility",
        "confidential",
        "--description",
        "the 2025 campaign",
    )
    assert made == "created confidential space campaign in @circle\n"
    async with node.pool.acquire() as conn:
        space = await groups_db.space_by_slug(conn, group.id, "campaign")
        assert space is not None
        assert (space.name, space.description, space.visibility) == (
            "Campaign",
            "the 2025 campaign",
            "confidential",
        )
    # Without --visibility a space is as strict as its group.
    assert await node.ok("space", "create", "circle", "library") == (
        "created members space library in @circle\n"
    )

    await node.ok("group", "create", "open_door", "--owner", "@bob", "--visibility", "public")
    listed = await node.ok("group", "list")
    assert listed.splitlines() == [
        "2 group(s)",
        "circle  members  invite  2 member(s)  3 space(s)  The circle",
        "open_door  public  approval  1 member(s)  1 space(s)",
    ]


async def test_bad_input_exits_2_naming_the_problem_and_changes_nothing(node: Node) -> None:
    await node.ok("group", "create", "circle", "--owner", "alice", "--visibility", "members")
    # Refused before the database is opened.
    assert await node.fails(
        "group", "create", "other", "--owner", "alice", "--visibility", "secret"
    ) == ("--visibility must be one of public, members, confidential, not 'secret'")
    assert await node.fails(
        "group", "create", "bad name", "--owner", "alice", "--visibility", "public"
    ) == ("username 'bad name' must be 1 to 30 letters, digits or underscores")
    assert "--join-policy must be one of" in await node.fails(
        "group", "create", "x", "--owner", "alice", "--visibility", "public", "--join-policy", "all"
    )
    assert await node.fails("group", "add-member", "circle", "bob", "--role", "king") == (
        "--role must be one of owner, admin, moderator, member, not 'king'"
    )
    assert "must be 1 to 40 letters" in await node.fails("space", "create", "circle", "a b")
    # Refused by what the database holds.
    assert await node.fails(
        "group", "create", "other", "--owner", "nobody", "--visibility", "public"
    ) == ("no local account 'nobody'")
    assert "already taken" in await node.fails(
        "group", "create", "circle", "--owner", "alice", "--visibility", "public"
    )
    assert await node.fails("group", "add-member", "nowhere", "bob") == (
        "no group 'nowhere' on this node"
    )
    assert await node.fails("group", "add-member", "circle", "alice") == (
        "alice is already a member (owner)"
    )
    assert await node.fails("space", "create", "circle", "open", "--visibility", "public") == (
        "a space cannot be looser than its group (members), not public"
    )
    assert await node.fails("space", "create", "circle", "General") == (
        "this group already has a space called 'general'"
    )
    async with node.pool.acquire() as conn:
        assert len(await groups_db.list_settings(conn)) == 1
        group = await groups.group_by_name(conn, "circle")
        assert group is not None
        assert [m.role for m, _ in await groups_db.members(conn, group.id)] == ["owner"]
        assert [s.slug for s in await groups_db.spaces_of(conn, group.id)] == ["general"]
