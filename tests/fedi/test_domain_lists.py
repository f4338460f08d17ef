"""Domain block lists: Mastodon's CSV and plain lists read, compared, applied and written back."""

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from fedi.domain import domain_lists, policy
from fedi.domain.accounts import create_user
from fedi.domain.domain_lists import BlockEntry, parse_blocklist, plan_import
from fedi.domain.policy import DomainBlock
from fedi.errors import InvalidInput

db = pytest.mark.asyncio(loop_scope="session")

MASTODON_EXPORT = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
evil.example,suspend,false,false,Harassment campaigns,false
noisy.example,silence,true,false,"Spam, mostly",true
media.example,noop,true,true,,false
"""


def _block(domain: str, severity: str = "suspend", **flags: Any) -> DomainBlock:
    values: dict[str, Any] = {
        "reject_media": False,
        "reject_reports": False,
        "private_comment": "",
        "public_comment": "",
        "obfuscate": False,
    }
    values.update(flags)
    return DomainBlock(
        id=1, domain=domain, severity=severity, created_at=datetime.now(UTC), **values
    )


def test_mastodon_export_is_read_with_every_column() -> None:
    entries = parse_blocklist(MASTODON_EXPORT)
    assert entries == [
        BlockEntry("evil.example", "suspend", public_comment="Harassment campaigns"),
        BlockEntry(
            "noisy.example",
            "silence",
            reject_media=True,
            public_comment="Spam, mostly",
            obfuscate=True,
        ),
        BlockEntry("media.example", "noop", reject_media=True, reject_reports=True),
    ]
    assert [entry.line for entry in entries] == [2, 3, 4]


def test_header_without_hashes_and_in_another_order() -> None:
    text = "severity,domain,public_comment\nsilence,a.example,loud\n,b.example,\n"
    assert parse_blocklist(text) == [
        BlockEntry("a.example", "silence", public_comment="loud"),
        # An empty severity is a suspension, as in Mastodon's import.
        BlockEntry("b.example", "suspend"),
    ]


def test_a_header_may_follow_comment_lines() -> None:
    text = "# shared list, 2024\n\n#domain,#severity\nloud.example,silence\n"
    assert parse_blocklist(text) == [BlockEntry("loud.example", "silence")]


def test_plain_list_one_domain_a_line() -> None:
    text = "\ufeff# from a partner\r\nEvil.Example.\r\n\r\nbücher.example\r\nx.example:8443\r\n"
    entries = parse_blocklist(text)
    assert [e.domain for e in entries] == [
        "evil.example",
        "xn--bcher-kva.example",
        "x.example:8443",
    ]
    assert all(e.severity == "suspend" and not e.reject_media for e in entries)
    assert [e.line for e in entries] == [2, 4, 5]


def test_line_numbers_count_lines_inside_quoted_comments() -> None:
    text = '#domain,#public_comment\na.example,"two\nlines"\nb.example,fine\nbad domain,x\n'
    with pytest.raises(InvalidInput, match=r"^line 5: "):
        parse_blocklist(text)


def test_a_list_of_only_a_header_is_empty() -> None:
    assert parse_blocklist("#domain,#severity\n") == []
    assert parse_blocklist("") == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("#domain,#severity\na.example,suspend\nb.example,block\n", "line 3: severity 'block'"),
        (
            "#domain,#reject_media\na.example,maybe\n",
            "line 2: reject_media is 'maybe', expected true or false",
        ),
        ("#domain,#obfuscate\na.example,yes please\n", "line 2: obfuscate is 'yes please'"),
        (
            "#domain,#severity\na.example,suspend,extra\n",
            "line 2: 3 fields, but the header names 2",
        ),
        ("a.example\nb.example,suspend\n", "line 2: 2 fields, but the file has no header line"),
        ("#domain,#severity\n,suspend\n", "line 2: the domain is empty"),
        ("a.example\nnot a domain\n", "line 2: 'not a domain' is not a valid domain"),
        ("a.example\nhttps://b.example/\n", "line 2: 'https://b.example/' is not a valid domain"),
        ("a.example\nb**d.example\n", "line 2: 'b**d.example' is obfuscated"),
        ("a.example\nb.example\nA.example.\n", "line 3: a.example is already listed on line 1"),
        ("#domain,#severty\na.example,silence\n", "line 1: unknown column 'severty'"),
        ("#domain,#domain\na.example,a.example\n", "line 1: column 'domain' appears twice"),
        ('#domain,#public_comment\na.example,"unterminated\n', "line 2: not valid CSV"),
        (
            "#domain,#public_comment\na.example," + "x" * 1001 + "\n",
            "line 2: public_comment is longer than 1000 characters",
        ),
    ],
)
def test_every_malformed_row_names_its_line_and_problem(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_blocklist(text)
    assert str(caught.value).startswith(problem), str(caught.value)


def test_a_list_longer_than_the_limit_is_refused() -> None:
    text = "".join(f"d{n}.example\n" for n in range(domain_lists.MAX_ROWS + 1))
    with pytest.raises(InvalidInput, match=f"line {domain_lists.MAX_ROWS + 1}: a list may hold"):
        parse_blocklist(text)


def test_plan_sorts_entries_into_added_updated_unchanged_and_removed() -> None:
    existing = [_block("same.example"), _block("changed.example"), _block("gone.example")]
    entries = [
        *parse_blocklist("same.example\nnew.example\n"),
        BlockEntry("changed.example", "silence"),
    ]
    plan = plan_import(existing, entries)
    assert [e.domain for e in plan.added] == ["new.example"]
    assert [(u.before.severity, u.after.severity) for u in plan.updated] == [("suspend", "silence")]
    assert plan.unchanged == ["same.example"]
    assert plan.removed == []
    assert plan_import(existing, entries, replace=True).removed == ["gone.example"]


def test_plan_refuses_a_row_that_would_exempt_a_subdomain_from_a_stricter_block() -> None:
    existing = [_block("evil.example", "suspend")]
    entries = parse_blocklist("#domain,#severity\nok.example,silence\nsub.evil.example,noop\n")
    with pytest.raises(InvalidInput, match=r"^line 3: sub.evil.example \(noop\) is milder"):
        plan_import(existing, entries)
    # A list that names the parent itself states the exemption on purpose.
    own = parse_blocklist("#domain,#severity\nevil.example,suspend\nsub.evil.example,noop\n")
    assert len(plan_import(existing, own).added) == 1
    # Replacing the node's list removes the parent, so nothing is undercut.
    assert plan_import(existing, entries, replace=True).removed == ["evil.example"]


def test_export_is_mastodons_format_and_reads_back_the_same() -> None:
    blocks = [
        _block("b.example", "silence", reject_media=True, public_comment='He said "no", twice'),
        _block("a.example", "noop", reject_reports=True, obfuscate=True, private_comment="ours"),
    ]
    text = domain_lists.blocklist_csv(blocks)
    lines = text.splitlines()
    assert lines[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    assert lines[1] == "a.example,noop,false,true,,true"
    assert "ours" not in text  # private comments stay on the node
    assert parse_blocklist(text) == [
        BlockEntry("a.example", "noop", reject_reports=True, obfuscate=True),
        BlockEntry("b.example", "silence", reject_media=True, public_comment='He said "no", twice'),
    ]


def test_public_domain_stars_the_middle_as_mastodon_does() -> None:
    assert domain_lists.public_domain(_block("example.com", obfuscate=True)) == "exa****.*om"
    assert domain_lists.public_domain(_block("example.com")) == "example.com"
    assert domain_lists.domain_digest("example.com") == (
        "a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947"
    )


async def _count(conn: Any, table: str) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


@db
async def test_import_applies_the_list_in_one_go(pool: Any) -> None:
    async with pool.acquire() as conn:
        plan = await domain_lists.import_blocklist(
            conn, MASTODON_EXPORT, private_comment="imported from partner.csv"
        )
        assert plan.applied and plan.summary() == "3 added, 0 updated, 0 unchanged, 0 removed"
        rule = await policy.rule_for(conn, "a.noisy.example")
        assert rule is not None and rule.severity == "silence" and rule.obfuscate
        assert rule.private_comment == "imported from partner.csv"
        assert not await policy.may_federate(conn, "www.evil.example")
        assert await _count(conn, "audit_log") == 3


@db
async def test_dry_run_reports_the_changes_and_writes_nothing(pool: Any) -> None:
    async with pool.acquire() as conn:
        await policy.block_domain(conn, "evil.example", severity="silence", private_comment="k")
        await policy.block_domain(conn, "old.example")
        audit_before = await _count(conn, "audit_log")
        plan = await domain_lists.import_blocklist(
            conn, MASTODON_EXPORT, dry_run=True, replace=True
        )
        assert not plan.applied
        assert [e.domain for e in plan.added] == ["noisy.example", "media.example"]
        assert [u.after.domain for u in plan.updated] == ["evil.example"]
        assert plan.removed == ["old.example"]
        blocks = {b.domain: b.severity for b in await policy.list_blocks(conn)}
        assert blocks == {"evil.example": "silence", "old.example": "suspend"}
        assert await _count(conn, "audit_log") == audit_before


@db
async def test_update_keeps_the_private_comment_and_replace_removes(pool: Any) -> None:
    async with pool.acquire() as conn:
        await policy.block_domain(conn, "evil.example", severity="silence", private_comment="k")
        await policy.block_domain(conn, "old.example")
        plan = await domain_lists.import_blocklist(conn, MASTODON_EXPORT, replace=True)
        assert plan.summary() == "2 added, 1 updated, 0 unchanged, 1 removed"
        blocks = {b.domain: b for b in await policy.list_blocks(conn)}
        assert sorted(blocks) == ["evil.example", "media.example", "noisy.example"]
        assert blocks["evil.example"].severity == "suspend"
        assert blocks["evil.example"].private_comment == "k"


@db
async def test_a_bad_last_row_leaves_the_node_unchanged(pool: Any) -> None:
    text = "".join(f"d{n}.example\n" for n in range(500)) + "bad domain!\n"
    async with pool.acquire() as conn:
        with pytest.raises(InvalidInput, match=r"^line 501: "):
            await domain_lists.import_blocklist(conn, text)
        assert await _count(conn, "domain_blocks") == 0
        assert await _count(conn, "audit_log") == 0


@db
async def test_a_refusal_by_the_policy_names_the_line_and_rolls_back(pool: Any, node: Any) -> None:
    own = node.settings.domain
    await create_user(pool, node.urls, own, "someone")
    async with pool.acquire() as conn:
        with pytest.raises(InvalidInput, match=f"^line 2: {own} is this node's own domain"):
            await domain_lists.import_blocklist(conn, f"a.example\n{own}\n")
        assert await _count(conn, "domain_blocks") == 0


@db
async def test_export_then_import_round_trips(pool: Any) -> None:
    async with pool.acquire() as conn:
        await domain_lists.import_blocklist(conn, MASTODON_EXPORT)
        exported = await domain_lists.export_blocklist(conn)
        for block in await policy.list_blocks(conn):
            await policy.unblock_domain(conn, block.domain)
        plan = await domain_lists.import_blocklist(conn, exported)
        assert len(plan.added) == 3
        assert await domain_lists.export_blocklist(conn) == exported
        again = await domain_lists.import_blocklist(conn, exported, dry_run=True)
        assert again.summary() == "0 added, 0 updated, 3 unchanged, 0 removed"


@db
async def test_a_thousand_domains_import_in_one_transaction_quickly(pool: Any) -> None:
    text = "#domain,#severity,#reject_media\n" + "".join(
        f"host{n}.blocked.example,{('suspend', 'silence', 'noop')[n % 3]},{n % 2 == 0}\n"
        for n in range(1000)
    )
    async with pool.acquire() as conn:
        started = time.perf_counter()
        plan = await domain_lists.import_blocklist(conn, text)
        elapsed = time.perf_counter() - started
        count = await _count(conn, "domain_blocks")
    print(f"\nimported {count} domain blocks in {elapsed:.2f} s")
    assert len(plan.added) == count == 1000
    assert elapsed < 10, f"1,000 domains took {elapsed:.1f} s"


@db
async def test_public_list_switch_is_stored_and_audited(pool: Any) -> None:
    async with pool.acquire() as conn:
        await domain_lists.import_blocklist(conn, MASTODON_EXPORT)
        assert await domain_lists.public_blocklist(conn) is None
        await domain_lists.show_public_blocklist(conn, True)
        shown = await domain_lists.public_blocklist(conn)
        assert shown is not None
        # noop blocks are not listed; milder first, as Mastodon orders them.
        assert [(b.domain, b.severity) for b in shown] == [
            ("noisy.example", "silence"),
            ("evil.example", "suspend"),
        ]
        await domain_lists.show_public_blocklist(conn, False)
        assert await domain_lists.public_blocklist(conn) is None
        actions = await conn.fetch(
            "SELECT action, target FROM audit_log WHERE target_type = 'instance' ORDER BY id"
        )
        assert [(r["action"], r["target"]) for r in actions] == [
            ("show_domain_blocks", "on"),
            ("show_domain_blocks", "off"),
        ]
