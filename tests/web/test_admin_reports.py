"""The node admins' report pages: open and resolved reports, one report, and its actions."""

import re
from typing import Any

import pytest

from fedi.app import Node
from fedi.db import account_moderation as moderation_db
from fedi.db.actors import Actor
from fedi.domain.posts import Draft
from tests.support.actors import remote_actor
from tests.web.admin_moderation_support import (
    api_json,
    assert_admins_only,
    audit_actions,
    forged_post,
)
from tests.web.conftest import Browser, MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = "/admin/reports"


async def file_report(reporter: Browser, target: Actor, **body: Any) -> str:
    filed = await api_json(
        reporter, "POST", "/api/v1/reports", json={"account_id": str(target.id), **body}
    )
    return str(filed["id"])


async def admin_report(admin: Browser, report_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await api_json(admin, "GET", f"/api/v1/admin/reports/{report_id}")
    return found


async def setting(node: Node, make_browser: MakeBrowser) -> tuple[Browser, Browser, Actor, str]:
    """An admin, a reporter, the account reported and the report (with one of its posts)."""
    admin = await make_browser("root", is_admin=True)
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    assert bob.actor is not None
    post = await node.publisher.post(bob.actor, Draft("buy cheap pills now"))
    report_id = await file_report(
        alice, bob.actor, status_ids=[str(post.id)], comment="bob spams", category="spam"
    )
    return admin, alice, bob.actor, report_id


async def test_only_admins_see_the_report_pages(node: Node, make_browser: MakeBrowser) -> None:
    html = await assert_admins_only(make_browser, PAGE)
    assert '<a href="/admin/reports" aria-current="page">' in html
    assert "There are no open reports." in html
    reporter = await make_browser("alice")
    target = await make_browser("bob")
    assert target.actor is not None
    report_id = await file_report(reporter, target.actor, comment="hm")
    await assert_admins_only_again(make_browser, f"{PAGE}/{report_id}")


async def assert_admins_only_again(make_browser: MakeBrowser, path: str) -> None:
    member = await make_browser("other")
    await member.page(path, status=403)
    visitor = await make_browser()
    assert (await visitor.http.get(path)).status_code == 303


async def test_open_reports_show_who_what_and_the_posts(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin, _, bob, report_id = await setting(node, make_browser)
    html = await admin.page(PAGE)
    assert f'<a href="/admin/reports/{report_id}">Report {report_id}</a>' in html
    assert "<bdi>@alice</bdi>" in html
    assert f'<a href="/admin/accounts/{bob.id}"><bdi>bob</bdi></a>' in html
    assert "bob spams" in html
    assert "Spam" in html
    assert "buy cheap pills now" in html
    detail = await admin.page(f"{PAGE}/{report_id}")
    assert "buy cheap pills now" in detail
    assert 'id="report-assign"' in detail
    assert 'id="report-resolve"' in detail
    assert "No copy was sent to another server." in detail


async def test_resolving_moves_the_report_to_the_resolved_list_and_reopening_back(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin, _, _, report_id = await setting(node, make_browser)
    response = await admin.submit(
        f"{PAGE}/{report_id}/resolve", {"note": "talked to bob"}, token_from=f"{PAGE}/{report_id}"
    )
    assert response.headers["location"] == f"{PAGE}/{report_id}?notice=admin_report_resolved"
    report = await admin_report(admin, report_id)
    assert report["action_taken"] is True
    assert report["action_note"] == "talked to bob"
    assert f"Report {report_id}" not in await admin.page(PAGE)
    resolved = await admin.page(f"{PAGE}?resolved=1")
    assert f"Report {report_id}" in resolved
    detail = await admin.page(f"{PAGE}/{report_id}?notice=admin_report_resolved")
    assert "The report is resolved." in detail
    assert "talked to bob" in detail
    assert 'id="report-reopen"' in detail
    response = await admin.submit(f"{PAGE}/{report_id}/reopen", token_from=f"{PAGE}/{report_id}")
    assert response.status_code == 303
    assert (await admin_report(admin, report_id))["action_taken"] is False
    assert [a for a, _ in await audit_actions(node)] == ["report.resolve", "report.reopen"]


async def test_assigning_to_oneself_and_unassigning(node: Node, make_browser: MakeBrowser) -> None:
    admin, _, _, report_id = await setting(node, make_browser)
    assert admin.actor is not None
    detail = f"{PAGE}/{report_id}"
    response = await admin.submit(f"{detail}/assign", token_from=detail)
    assert response.headers["location"] == f"{detail}?notice=admin_report_assigned"
    report = await admin_report(admin, report_id)
    assert report["assigned_account"]["id"] == str(admin.actor.id)
    html = await admin.page(detail)
    assert 'id="report-unassign"' in html
    assert 'id="report-assign"' not in html
    response = await admin.submit(f"{detail}/unassign", token_from=detail)
    assert response.headers["location"] == f"{detail}?notice=admin_report_unassigned"
    assert (await admin_report(admin, report_id))["assigned_account"] is None


async def test_suspending_the_reported_account_from_the_report(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin, _, bob, report_id = await setting(node, make_browser)
    detail = f"{PAGE}/{report_id}"
    response = await admin.submit(
        f"{detail}/account_action", {"type": "suspend", "text": "spam wave"}, token_from=detail
    )
    assert response.headers["location"] == f"{detail}?notice=admin_report_account_acted"
    async with node.pool.acquire() as conn:
        assert (await moderation_db.standing(conn, bob.id)).suspended
    report = await admin_report(admin, report_id)
    assert report["action_taken"] is True
    assert ("account.suspend", bob.handle) in await audit_actions(node)
    audit = await admin.page("/admin/audit")
    assert "Suspended an account" in audit
    assert "spam wave" in audit


async def test_a_refused_action_shows_the_reason_and_changes_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin, _, bob, report_id = await setting(node, make_browser)
    detail = f"{PAGE}/{report_id}"
    response = await admin.submit(
        f"{detail}/account_action", {"type": "obliterate"}, token_from=detail
    )
    assert response.status_code == 422
    assert "type must be one of" in response.text
    async with node.pool.acquire() as conn:
        standing = await moderation_db.standing(conn, bob.id)
    assert not (standing.suspended or standing.silenced)
    assert (await admin_report(admin, report_id))["action_taken"] is False


async def test_a_report_about_a_remote_account_offers_no_disabling(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    alice = await make_browser("alice")
    mallory = await remote_actor(node.pool, "mallory")
    report_id = await file_report(alice, mallory, comment="from afar")
    html = await admin.page(f"{PAGE}/{report_id}")
    assert "<bdi>@mallory@remote.example</bdi>" in html
    assert 'value="disable"' not in html
    assert 'value="silence"' in html


async def test_posts_without_the_csrf_token_change_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin, _, bob, report_id = await setting(node, make_browser)
    for action, data in (
        ("resolve", {}),
        ("assign", {}),
        ("account_action", {"type": "suspend"}),
    ):
        assert (await forged_post(admin, f"{PAGE}/{report_id}/{action}", data)).status_code == 403
    report = await admin_report(admin, report_id)
    assert (report["action_taken"], report["assigned_account"]) == (False, None)
    async with node.pool.acquire() as conn:
        assert not (await moderation_db.standing(conn, bob.id)).suspended
    assert await audit_actions(node) == []


async def test_an_unknown_report_is_not_found(make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    await admin.page(f"{PAGE}/999999", status=404)
    await admin.page(f"{PAGE}/nope", status=404)
    response = await admin.submit(f"{PAGE}/999999/resolve", token_from=PAGE)
    assert response.status_code == 404


async def test_reporters_words_and_names_are_shown_as_text(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    alice = await make_browser("alice")
    await api_json(
        alice,
        "PATCH",
        "/api/v1/accounts/update_credentials",
        data={"display_name": "<img src=x onerror=alert(1)>"},
    )
    bob = await make_browser("bob")
    assert bob.actor is not None
    report_id = await file_report(alice, bob.actor, comment="<script>alert(1)</script>")
    for path in (PAGE, f"{PAGE}/{report_id}"):
        html = await admin.page(path)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_reports_are_paged_and_filtered_by_account(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    carol = await make_browser("carol")
    assert bob.actor is not None and carol.actor is not None
    about_bob = [await file_report(alice, bob.actor, comment=f"n{n}") for n in range(21)]
    about_carol = await file_report(alice, carol.actor, comment="carol")
    first = await admin.page(PAGE)
    assert f"Report {about_carol}" in first
    # Twenty a page, newest first: the two oldest are a page away.
    assert f"Report {about_bob[2]}<" in first
    assert f"Report {about_bob[1]}<" not in first
    found = re.search(r'href="(/admin/reports\?resolved=0&amp;max_id=\d+)" rel="next"', first)
    assert found, "no link to older reports"
    older = await admin.page(found.group(1).replace("&amp;", "&"))
    assert f"Report {about_bob[0]}<" in older and f"Report {about_bob[1]}<" in older
    assert f"Report {about_bob[2]}<" not in older
    assert 'rel="next"' not in older
    only_carol = await admin.page(f"{PAGE}?target_account_id={carol.actor.id}")
    assert f"Report {about_carol}" in only_carol
    assert f"Report {about_bob[5]}<" not in only_carol
    assert "Only the reports about one account are shown." in only_carol
    tab = f'href="/admin/reports?resolved=1&amp;target_account_id={carol.actor.id}"'
    assert tab in only_carol
