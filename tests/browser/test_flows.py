"""A member's and an admin's main path through the pages, in English and in Arabic, in Chromium.

Each step checks what a person would see; every page visited is also checked for console
errors, requests to anyone but the node, serious accessibility violations (axe-core) and, in
Arabic, right-to-left layout and strings left in English. Screenshots of the main pages at
desktop and phone widths are kept in artifacts/screenshots/.
"""

from dataclasses import dataclass

import pytest
from playwright.async_api import Browser, BrowserContext

from tests.browser.checks import serious_accessibility_violations, untranslated_text
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    Watched,
    member_account,
    open_page,
    screenshot,
    sign_in,
)
from tests.federation.cluster import Member
from tests.support.groups import make_group

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass(frozen=True)
class Language:
    code: str
    locale: str
    direction: str


ENGLISH = Language("en", "en-GB", "ltr")
ARABIC = Language("ar", "ar", "rtl")


async def check_page(watched: Watched, language: Language, name: str) -> None:
    """What every page must be, whatever it shows."""
    page = watched.page
    assert await page.get_attribute("html", "lang") == language.code, name
    assert await page.get_attribute("html", "dir") == language.direction, name
    if language.code != "en":
        assert await untranslated_text(page) == [], f"English left on {name}"
    assert await serious_accessibility_violations(page) == [], name
    assert watched.console_errors == [], (name, watched.console_errors)
    assert watched.foreign_requests == [], (name, watched.foreign_requests)


async def visit(watched: Watched, path: str, language: Language, name: str) -> None:
    await watched.page.goto(path)
    await check_page(watched, language, name)


async def shoot(context: BrowserContext, watched: Watched, language: Language, name: str) -> None:
    """The current page at desktop and at phone width."""
    page = watched.page
    await screenshot(page, f"{language.code}-desktop-{name}")
    await page.set_viewport_size(PHONE)
    await screenshot(page, f"{language.code}-phone-{name}")
    await page.set_viewport_size(DESKTOP)


@pytest.mark.parametrize("language", [ENGLISH, ARABIC], ids=["english", "arabic"])
async def test_a_member_signs_in_posts_joins_a_group_and_posts_in_a_space(
    web_node: Member, chromium: Browser, language: Language
) -> None:
    suffix = language.code
    member = f"amal_{suffix}"
    await member_account(web_node, member)
    owner = await member_account(web_node, f"owner_{suffix}")
    group, _ = await make_group(web_node.node, owner, f"rights_{suffix}")
    context, watched = await open_page(chromium, web_node, locale=language.locale)
    page = watched.page

    await visit(watched, "/", language, "front page")
    await shoot(context, watched, language, "front")

    await sign_in(watched, member)
    await check_page(watched, language, "home")

    await page.fill("#compose-text", f"First post in {language.code}")
    await page.select_option("#compose-visibility", "public")
    await page.click("#composer button.primary")
    await page.wait_for_url("**/home?notice=posted")
    await check_page(watched, language, "home after posting")
    assert (
        f"First post in {language.code}"
        in await page.locator(".status .content").first.inner_text()
    )
    await shoot(context, watched, language, "home")

    await visit(watched, "/groups", language, "groups directory")
    await visit(watched, f"/groups/{group.actor.username}", language, "group page")
    await page.click("form[action$='/join'] button")
    await page.wait_for_load_state()
    assert await page.locator("form[action$='/leave'] button").count() == 1
    await check_page(watched, language, "group page after joining")
    await shoot(context, watched, language, "group")

    space_link = page.locator(f"a[href^='/groups/{group.actor.username}/spaces/']").first
    await space_link.click()
    await page.wait_for_load_state()
    await check_page(watched, language, "space page")
    await page.fill("#compose-text", f"Space post in {language.code}")
    await page.click("#composer button.primary")
    await page.wait_for_load_state()
    assert (
        f"Space post in {language.code}"
        in await page.locator(".status .content").first.inner_text()
    )
    await check_page(watched, language, "space page after posting")
    await shoot(context, watched, language, "space")

    for path, name in [
        ("/notifications", "notifications"),
        ("/search", "search"),
        ("/settings/profile", "profile settings"),
        ("/settings/sessions", "sessions"),
        (f"/@{member}", "profile"),
    ]:
        await visit(watched, path, language, name)
    await shoot(context, watched, language, "profile")
    await context.close()


@pytest.mark.parametrize("language", [ENGLISH, ARABIC], ids=["english", "arabic"])
async def test_an_admin_blocks_a_domain(
    web_node: Member, chromium: Browser, language: Language
) -> None:
    admin = f"admin_{language.code}"
    await member_account(web_node, admin, is_admin=True)
    context, watched = await open_page(chromium, web_node, locale=language.locale)
    page = watched.page
    await sign_in(watched, admin)
    await visit(watched, "/admin/domains", language, "domain administration")
    hostile = f"hostile-{language.code}.example"
    await page.fill("#block-domain", hostile)
    await page.press("#block-domain", "Enter")
    await page.wait_for_load_state()
    await check_page(watched, language, "domain administration after blocking")
    assert hostile in await page.locator("main").inner_text()
    await shoot(context, watched, language, "admin-domains")
    for path, name in [
        ("/admin", "administration"),
        ("/admin/settings", "instance settings"),
        ("/admin/invitations", "invitations"),
        ("/admin/reports", "reports"),
        ("/admin/accounts", "accounts"),
        ("/admin/audit", "audit log"),
    ]:
        await visit(watched, path, language, name)
    assert hostile in await page.locator("main").inner_text()  # the audit log names it
    await context.close()
