"""The node admins' domains page: federation mode, domain blocks and allows, through the API."""

import pytest

from fedi.app import Node
from fedi.db import domain_admin
from fedi.domain import policy
from tests.web.admin_moderation_support import assert_admins_only, audit_actions, forged_post
from tests.web.conftest import Browser, MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGE = "/admin/domains"


async def blocks(node: Node) -> list[policy.DomainBlock]:
    async with node.pool.acquire() as conn:
        return await policy.list_blocks(conn)


async def allowed(node: Node) -> list[str]:
    async with node.pool.acquire() as conn:
        return [row.domain for row in await domain_admin.all_allows(conn)]


async def block(admin: Browser, domain: str, **fields: str) -> None:
    response = await admin.submit(
        f"{PAGE}/blocks", {"domain": domain, "severity": "suspend", **fields}, token_from=PAGE
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{PAGE}?notice=admin_domain_blocked"


async def test_only_admins_see_the_domains_page(make_browser: MakeBrowser) -> None:
    html = await assert_admins_only(make_browser, PAGE)
    assert 'id="block-domain" name="domain"' in html
    assert 'id="block-severity" name="severity"' in html
    assert "Block domain" in html
    assert "federates with every server except the domains blocked below" in html
    assert "federates only with the domains allowed below" in html
    assert '<a href="/admin/domains" aria-current="page">' in html
    assert '<a href="/admin/reports">' in html


async def test_blocking_a_domain_through_the_form_blocks_it_and_is_audited(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    await block(
        admin,
        "Spam.Example",
        reject_media="true",
        private_comment="raids our members",
        public_comment="harassment",
    )
    async with node.pool.acquire() as conn:
        assert not await policy.may_federate(conn, "social.spam.example")
    (found,) = await blocks(node)
    assert (found.domain, found.severity, found.reject_media, found.reject_reports) == (
        "spam.example",
        "suspend",
        True,
        False,
    )
    assert (found.private_comment, found.public_comment) == ("raids our members", "harassment")
    html = await admin.page(f"{PAGE}?notice=admin_domain_blocked")
    assert "The domain is blocked." in html
    assert "<bdi>spam.example</bdi>" in html
    assert "raids our members" in html
    assert ("domain_block.create", "spam.example") in await audit_actions(node)
    audit = await admin.page("/admin/audit")
    assert "Blocked a domain" in audit
    assert "spam.example" in audit


async def test_a_block_can_be_edited_and_lifted(node: Node, make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    await block(admin, "spam.example", reject_media="true")
    (found,) = await blocks(node)
    response = await admin.submit(
        f"{PAGE}/blocks/{found.id}",
        {"severity": "silence", "reject_reports": "true", "public_comment": "noisy"},
        token_from=PAGE,
    )
    assert response.headers["location"] == f"{PAGE}?notice=admin_domain_block_saved"
    (edited,) = await blocks(node)
    assert (edited.severity, edited.reject_media, edited.reject_reports) == (
        "silence",
        False,
        True,
    )
    assert edited.public_comment == "noisy"
    response = await admin.submit(f"{PAGE}/blocks/{found.id}/delete", token_from=PAGE)
    assert response.headers["location"] == f"{PAGE}?notice=admin_domain_unblocked"
    assert await blocks(node) == []
    async with node.pool.acquire() as conn:
        assert await policy.may_federate(conn, "spam.example")
    html = await admin.page(PAGE)
    assert "No domain is blocked." in html
    actions = [action for action, _ in await audit_actions(node)]
    assert actions == ["domain_block.create", "domain_block.update", "domain_block.destroy"]


async def test_a_bad_domain_shows_the_apis_reason_and_blocks_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    response = await admin.submit(
        f"{PAGE}/blocks", {"domain": "not a domain", "severity": "suspend"}, token_from=PAGE
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "is not a valid domain" in response.text
    # What the admin typed stays in the form, to correct.
    assert 'value="not a domain"' in response.text
    assert await blocks(node) == []
    assert await audit_actions(node) == []


async def test_blocking_a_blocked_domain_again_is_refused(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    await block(admin, "spam.example")
    response = await admin.submit(
        f"{PAGE}/blocks", {"domain": "spam.example", "severity": "silence"}, token_from=PAGE
    )
    assert response.status_code == 422
    assert "You have already imposed stricter limits on spam.example." in response.text
    (found,) = await blocks(node)
    assert found.severity == "suspend"


async def test_the_federation_mode_changes_through_the_form(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    html = await admin.page(PAGE)
    assert 'id="mode-open" name="mode" value="open" aria-describedby="mode-open-help" checked' in (
        html
    )
    response = await admin.submit(f"{PAGE}/mode", {"mode": "allowlist"}, token_from=PAGE)
    assert response.headers["location"] == f"{PAGE}?notice=admin_federation_mode_saved"
    async with node.pool.acquire() as conn:
        assert await policy.federation_mode(conn) == "allowlist"
        # In effect: a server not on the (empty) allow list is refused.
        assert not await policy.may_federate(conn, "mastodon.example")
    html = await admin.page(PAGE)
    assert 'value="allowlist" aria-describedby="mode-allowlist-help" checked' in html
    assert "The allow list is empty" in html
    assert ("federation_mode.update", "allowlist") in await audit_actions(node)
    response = await admin.submit(f"{PAGE}/mode", {"mode": "everyone"}, token_from=PAGE)
    assert response.status_code == 422
    assert "mode must be one of open, allowlist" in response.text
    async with node.pool.acquire() as conn:
        assert await policy.federation_mode(conn) == "allowlist"


async def test_domains_are_allowed_and_taken_off_the_allow_list(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    response = await admin.submit(f"{PAGE}/allows", {"domain": "Friends.Example"}, token_from=PAGE)
    assert response.headers["location"] == f"{PAGE}?notice=admin_domain_allowed"
    assert await allowed(node) == ["friends.example"]
    html = await admin.page(PAGE)
    assert "<bdi>friends.example</bdi>" in html
    async with node.pool.acquire() as conn:
        (row,) = await domain_admin.all_allows(conn)
    refused = await admin.submit(f"{PAGE}/allows", {"domain": "a b"}, token_from=PAGE)
    assert refused.status_code == 422
    assert 'id="allow-domain" name="domain" value="a b"' in refused.text
    assert 'id="block-domain" name="domain" value=""' in refused.text
    response = await admin.submit(f"{PAGE}/allows/{row.id}/delete", token_from=PAGE)
    assert response.headers["location"] == f"{PAGE}?notice=admin_domain_disallowed"
    assert await allowed(node) == []
    missing = await admin.submit(f"{PAGE}/allows/{row.id}/delete", token_from=PAGE)
    assert missing.status_code == 404


async def test_posts_without_the_csrf_token_change_nothing(
    node: Node, make_browser: MakeBrowser
) -> None:
    admin = await make_browser("root", is_admin=True)
    forged = await forged_post(admin, f"{PAGE}/blocks", {"domain": "x.example"})
    assert forged.status_code == 403
    assert (await forged_post(admin, f"{PAGE}/mode", {"mode": "allowlist"})).status_code == 403
    assert (await forged_post(admin, f"{PAGE}/allows", {"domain": "x.example"})).status_code == 403
    await block(admin, "spam.example")
    (found,) = await blocks(node)
    forged = await forged_post(admin, f"{PAGE}/blocks/{found.id}/delete", {})
    assert forged.status_code == 403
    assert [b.domain for b in await blocks(node)] == ["spam.example"]
    assert await allowed(node) == []
    async with node.pool.acquire() as conn:
        assert await policy.federation_mode(conn) == "open"


async def test_members_cannot_block_through_the_form(node: Node, make_browser: MakeBrowser) -> None:
    member = await make_browser("member")
    response = await member.submit(
        f"{PAGE}/blocks", {"domain": "x.example", "severity": "suspend"}, token_from="/home"
    )
    assert response.status_code == 403
    assert await blocks(node) == []


async def test_comments_are_shown_as_text(node: Node, make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True)
    await block(admin, "spam.example", private_comment="<script>alert(1)</script>")
    html = await admin.page(PAGE)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The API's reason quotes what was typed: that is text too.
    refused = await admin.submit(
        f"{PAGE}/blocks", {"domain": "<b>bold</b>", "severity": "suspend"}, token_from=PAGE
    )
    assert refused.status_code == 422
    assert "<b>bold</b>" not in refused.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in refused.text


async def test_the_page_speaks_the_admins_language(node: Node, make_browser: MakeBrowser) -> None:
    admin = await make_browser("root", is_admin=True, **{"accept-language": "ar"})
    await block(admin, "spam.example")
    html = await admin.page(PAGE)
    assert '<html lang="ar" dir="rtl">' in html
    assert "حظر النطاق" in html  # the button
    assert "تعليق" in html  # the block's severity, a code of the API named in Arabic
    assert "<bdi>spam.example</bdi>" in html
