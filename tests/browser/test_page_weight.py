"""The home timeline's first load stays light for slow and watched phone connections."""

from collections.abc import Callable

import pytest
from playwright.async_api import Browser

from fedi.domain.posts import Draft
from tests.browser.checks import TransferMeter
from tests.browser.conftest import PHONE, member_account, open_page, sign_in
from tests.federation.cluster import Member

pytestmark = pytest.mark.asyncio(loop_scope="session")

BUDGET_BYTES = 150 * 1024
PAGE_OF_POSTS = 20


async def test_the_home_timeline_first_load_is_under_150_kb_images_aside(
    web_node: Member, chromium: Browser, record_property: Callable[[str, object], None]
) -> None:
    actor = await member_account(web_node, "weigher")
    # A full page of posts of a realistic length, with a content warning on some.
    for number in range(PAGE_OF_POSTS + 5):
        text = f"Post {number}: " + "A report from the hearing today, with the lawyers' notes. " * 6
        spoiler = "Court details" if number % 3 == 0 else ""
        await web_node.node.publisher.post(actor, Draft(text=text, summary=spoiler))
    context, watched = await open_page(chromium, web_node, viewport=PHONE)
    await sign_in(watched, "weigher")
    session = [cookie for cookie in await context.cookies() if cookie["name"] == "fedi_session"]
    await context.close()
    # A first load: a new browser profile, nothing cached, holding only the session cookie.
    context, watched = await open_page(chromium, web_node, viewport=PHONE)
    await context.add_cookies(session)  # type: ignore[arg-type]
    meter = TransferMeter(watched.page)
    await watched.page.goto("/home")
    await watched.page.wait_for_load_state("networkidle")
    assert await watched.page.locator(".status").count() == PAGE_OF_POSTS
    transferred = await meter.transferred()
    total = sum(transferred.values())
    record_property("home_first_load_bytes", total)
    print(f"home timeline first load: {total} bytes over {len(transferred)} requests")
    assert any(url.endswith("/static/fedi.css") for url in transferred)
    assert total < BUDGET_BYTES, transferred
    await context.close()
