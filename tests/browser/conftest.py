"""A real node (`fedi serve`) driven by Debian's headless Chromium through Playwright.

Chromium is the machine's own (/usr/bin/chromium; `make test` installs it on a fresh machine);
Playwright never downloads a browser. Chromium's background services are switched off: this
machine has no network but loopback, and the pages must make no third-party requests anyway.
"""

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from fedi.db.actors import Actor
from fedi.domain.accounts import create_user
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, cluster

CHROMIUM = os.environ.get("FEDI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
PASSWORD = "a long enough password"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Watched:
    """A page and everything it complained about or asked of anyone but our node."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def web_node(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Member]:
    folder: Path = tmp_path_factory.mktemp("browser")
    async with cluster(databases, folder, ["Amal"]) as members:
        yield members[0]


def _require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def chromium() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        await browser.close()


async def member_account(node: Member, username: str, *, is_admin: bool = False) -> Actor:
    created = await create_user(
        node.pool, node.node.urls, node.domain, username, password=PASSWORD, is_admin=is_admin
    )
    return created.actor


async def open_page(
    browser: Browser, node: Member, *, locale: str = "en-GB", viewport: dict[str, int] = DESKTOP
) -> tuple[BrowserContext, Watched]:
    """A fresh browser profile (no cookies) whose console errors and requests are watched."""
    context = await browser.new_context(
        base_url=node.process.base_url,
        locale=locale,
        viewport=viewport,  # type: ignore[arg-type]
    )
    page = await context.new_page()
    watched = Watched(page, node.process.base_url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)

    def on_request(request: Any) -> None:
        if not request.url.startswith(node.process.base_url) and not request.url.startswith(
            "data:"
        ):
            watched.foreign_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.console_errors.append(str(error)))
    page.on("request", on_request)
    return context, watched


async def sign_in(watched: Watched, username: str) -> None:
    """Through our pages and the node's own OAuth page, as a member would."""
    page = watched.page
    await page.goto("/auth/sign_in")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[name=decision][value=approve]")
    await page.wait_for_url("**/home")


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
