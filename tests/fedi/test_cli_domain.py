"""`fedi domain ...` run as the admin runs it: a real process on a real database."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from fedi.db.database import create_pool
from fedi.domain import audit, domain_lists, policy
from tests.conftest import DatabaseFactory
from tests.support.cli import CliNode, empty_tables

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Node(CliNode):
    async def fails(self, *args: str) -> str:
        """The one error line of a refused command (exit status 1)."""
        run = await self.fedi(*args)
        assert run.code == 1, (run.out, run.err)
        errors = [line for line in run.err.splitlines() if line.startswith("fedi: error: ")]
        assert len(errors) == 1, run.err
        return errors[0].removeprefix("fedi: error: ")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def database(databases: DatabaseFactory) -> AsyncIterator[tuple[str, Any]]:
    dsn = await databases.create("cli_domain")
    pool = await create_pool(dsn, max_size=2)
    yield dsn, pool
    await pool.close()


@pytest_asyncio.fixture(loop_scope="session")
async def node(database: tuple[str, Any], tmp_path: Path) -> Node:
    dsn, pool = database
    await empty_tables(pool)
    return Node(dsn, tmp_path, pool)


async def test_block_list_and_unblock(node: Node) -> None:
    out = await node.ok(
        "domain",
        "block",
        "Evil.Example",
        "--severity",
        "silence",
        "--reject-media",
        "--public-comment",
        "spam waves",
        "--private-comment",
        "see report 12",
        "--obfuscate",
    )
    assert out == "blocked evil.example (silence, reject media, obfuscated)\n"
    async with node.pool.acquire() as conn:
        rule = await policy.rule_for(conn, "www.evil.example")
        assert rule is not None and rule.severity == "silence" and rule.reject_media
        assert rule.private_comment == "see report 12" and rule.public_comment == "spam waves"
        logged = await audit.entries(conn)
        assert [(e.action, e.actor_id) for e in logged] == [("domain_block.create", None)]
    changed = await node.ok("domain", "block", "evil.example")
    assert changed == "updated the block on evil.example (suspend)\n"
    async with node.pool.acquire() as conn:
        rule = await policy.rule_for(conn, "evil.example")
        # Not given again, the private comment stays.
        assert rule is not None and rule.private_comment == "see report 12"
    listed = await node.ok("domain", "list")
    assert listed.splitlines() == ["1 blocked domain(s)", "evil.example  suspend  # spam waves"]
    assert await node.ok("domain", "unblock", "evil.example") == "unblocked evil.example\n"
    assert await node.fails("domain", "unblock", "evil.example") == "evil.example is not blocked"


async def test_a_milder_subdomain_block_is_made_with_a_note(node: Node) -> None:
    await node.ok("domain", "block", "evil.example")
    out = await node.ok("domain", "block", "ok.evil.example", "--severity", "noop")
    assert out.splitlines()[1] == (
        "note: this is milder than the block on evil.example (suspend),"
        " so ok.evil.example is exempt from it"
    )


async def test_bad_input_exits_1_naming_the_problem_and_changes_nothing(node: Node) -> None:
    assert "'bad domain' is not a valid domain" in await node.fails("domain", "block", "bad domain")
    assert await node.fails("domain", "block", "a.example", "--severity", "ban") == (
        "--severity must be one of noop, silence, suspend, not 'ban'"
    )
    assert await node.fails("domain", "mode", "closed") == (
        "mode must be open or allowlist, not 'closed'"
    )
    assert await node.fails("domain", "public-list", "maybe") == (
        "public-list must be on or off, not 'maybe'"
    )
    assert "is obfuscated" in await node.fails("domain", "allow", "fr**nd.example")
    assert await node.fails("domain", "disallow", "friend.example") == (
        "friend.example is not on the allow list"
    )
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM domain_blocks") == 0


async def test_allow_disallow_and_mode(node: Node) -> None:
    warned = await node.ok("domain", "mode", "allowlist")
    assert warned.splitlines() == [
        "federation mode: allowlist",
        "warning: no domain is allowed yet, so this node federates with no one",
    ]
    assert await node.ok("domain", "allow", "Friend.Example") == "allowed friend.example\n"
    assert (await node.ok("domain", "list", "--allows")).splitlines() == [
        "federation mode: allowlist; 1 allowed domain(s)",
        "friend.example",
    ]
    async with node.pool.acquire() as conn:
        assert await policy.may_federate(conn, "a.friend.example")
        assert not await policy.may_federate(conn, "stranger.example")
    assert await node.ok("domain", "disallow", "friend.example") == (
        "removed friend.example from the allow list\n"
    )
    assert await node.ok("domain", "mode", "open") == "federation mode: open\n"
    async with node.pool.acquire() as conn:
        assert await policy.federation_mode(conn) == "open"


async def test_import_dry_run_then_import_then_export(node: Node) -> None:
    source = node.folder / "partner.csv"
    source.write_text(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        "evil.example,suspend,false,false,raids,false\n"
        'loud.example,silence,true,false,"spam, mostly",true\n',
        encoding="utf-8",
    )
    dry = await node.ok("domain", "import", str(source), "--dry-run")
    assert dry.splitlines() == [
        "+ evil.example (suspend)",
        "+ loud.example (silence, reject media, obfuscated)",
        "dry run, nothing changed: would be 2 added, 0 updated, 0 unchanged, 0 removed",
    ]
    async with node.pool.acquire() as conn:
        assert await policy.list_blocks(conn) == []
    done = await node.ok("domain", "import", str(source))
    assert done.splitlines()[-1] == (
        f"imported {source}: 2 added, 0 updated, 0 unchanged, 0 removed"
    )
    async with node.pool.acquire() as conn:
        blocks = {b.domain: b for b in await policy.list_blocks(conn)}
    assert blocks["loud.example"].private_comment == "imported from partner.csv"
    exported = await node.ok("domain", "export")
    assert domain_lists.parse_blocklist(exported) == domain_lists.parse_blocklist(
        source.read_text(encoding="utf-8")
    )
    target = node.folder / "out.csv"
    assert await node.ok("domain", "export", str(target)) == (
        f"exported 2 domain block(s) to {target}\n"
    )
    assert target.read_text(encoding="utf-8") == exported


async def test_a_malformed_or_missing_file_exits_1_and_changes_nothing(node: Node) -> None:
    source = node.folder / "bad.txt"
    source.write_text("good.example\nanother.example\nnot a domain\n", encoding="utf-8")
    problem = await node.fails("domain", "import", str(source))
    assert problem.startswith(f"{source}: line 3: 'not a domain' is not a valid domain")
    missing = await node.fails("domain", "import", str(node.folder / "nowhere.csv"))
    assert missing.startswith("cannot read ") and "No such file" in missing
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM domain_blocks") == 0


async def test_public_list_switch(node: Node) -> None:
    assert await node.ok("domain", "public-list", "on") == (
        "public domain block list: on (/api/v1/instance/domain_blocks answers)\n"
    )
    async with node.pool.acquire() as conn:
        assert await domain_lists.public_blocklist(conn) == []
    assert "off" in await node.ok("domain", "public-list", "off")
    async with node.pool.acquire() as conn:
        assert await domain_lists.public_blocklist(conn) is None
