"""The node admins' audit log page: who did what to what and when, newest first, paged."""

import re

import pytest

from fedi.app import Node
from fedi.domain import audit, policy
from tests.web.admin_moderation_support import assert_admins_only
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = "/admin/audit"


async def test_only_admins_see_the_audit_log(make_browser: MakeBrowser) -> None:
    html = await assert_admins_only(make_browser, PAGE)
    assert '<a href="/admin/audit" aria-current="page">' in html
    assert "Nothing has been done yet." in html


async def test_entries_say_when_who_what_and_to_what(node: Node, make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    assert admin.actor is not None
    async with node.pool.acquire() as conn:
        await policy.block_domain(conn, "spam.example", severity="suspend", by_actor_id=None)
        await policy.set_federation_mode(conn, "allowlist", by_actor_id=admin.actor.id)
    html = await admin.page(PAGE)
    rows = html.split('<tr id="audit-')[1:]
    assert len(rows) == 2
    newest, oldest = rows
    assert f'<a href="/admin/accounts/{admin.actor.id}"><bdi>root</bdi></a>' in newest
    assert "Changed the federation mode" in newest
    assert "This node" in newest and "Allow list" in newest
    assert re.search(r'<time datetime="[^"]+">[^<]+</time>', newest)
    assert "The node itself" in oldest
    assert "Blocked a domain" in oldest
    assert "<bdi>spam.example</bdi>" in oldest


async def test_older_entries_are_a_link_away(node: Node, make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    async with node.pool.acquire() as conn:
        for number in range(55):
            await audit.record(conn, None, "domain_allow.create", "domain", f"d{number}.example")
    first = await admin.page(PAGE)
    assert "<bdi>d54.example</bdi>" in first
    assert "<bdi>d0.example</bdi>" not in first
    found = re.search(r'href="(/admin/audit\?max_id=\d+)" rel="next"', first)
    assert found, "no link to older entries"
    older = await admin.page(found.group(1))
    assert "<bdi>d0.example</bdi>" in older
    assert "<bdi>d54.example</bdi>" not in older
    assert 'rel="next"' not in older


async def test_unknown_actions_and_targets_are_shown_as_text(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    async with node.pool.acquire() as conn:
        await audit.record(conn, None, "<b>odd</b>", "thing", "<script>x</script>", "<i>why</i>")
    html = await admin.page(PAGE)
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<code>&lt;b&gt;odd&lt;/b&gt;</code>" in html
    assert "&lt;i&gt;why&lt;/i&gt;" in html
