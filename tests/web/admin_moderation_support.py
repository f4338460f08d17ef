"""What the tests of the admin moderation pages share: who may open them, and the API's view."""

from html import unescape
from typing import Any

import httpx

from fedi.app import Node
from fedi.domain import audit
from tests.web.conftest import Browser, MakeBrowser


async def assert_admins_only(make_browser: MakeBrowser, path: str) -> str:
    """The page opens for an admin (its HTML is returned), is a 403 for a member and sends a
    visitor to sign in first."""
    admin = await make_browser("root", is_admin=True)
    html = await admin.page(path)
    member = await make_browser("member")
    refused = await member.page(path, status=403)
    assert "This page is for the node's administrators." in unescape(refused)
    visitor = await make_browser()
    response = await visitor.http.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/sign_in?next=")
    return html


def bearer(browser: Browser) -> dict[str, str]:
    """The browser's session is an API token: tests call the API as that member with it."""
    return {"Authorization": f"Bearer {browser.http.cookies['fedi_session']}"}


async def api_json(browser: Browser, method: str, path: str, **kwargs: Any) -> Any:
    response = await browser.http.request(method, path, headers=bearer(browser), **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def audit_actions(node: Node) -> list[tuple[str, str]]:
    """(action, target) of every audit entry, oldest first."""
    async with node.pool.acquire() as conn:
        found = await audit.entries(conn, limit=500)
    return [(entry.action, entry.target) for entry in reversed(found)]


async def forged_post(browser: Browser, path: str, data: dict[str, str]) -> httpx.Response:
    """A post without the form's CSRF token, as another site could make the browser send."""
    return await browser.http.post(path, data=data)
