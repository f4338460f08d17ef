"""What the member pages' tests share: the API as the signed-in browser's own token sees it."""

from typing import Any

import httpx

from tests.web.conftest import Browser


def token_of(browser: Browser) -> str:
    """The browser's session is an OAuth token: the cookie holds it."""
    return str(browser.http.cookies["fedi_session"])


async def api_get(browser: Browser, path: str, **params: Any) -> Any:
    """GET an API path with the browser's token, past its cookies (an app, not a page)."""
    api = httpx.AsyncClient(transport=browser.http._transport, base_url=str(browser.http.base_url))
    try:
        response = await api.get(
            path, params=params, headers={"Authorization": f"Bearer {token_of(browser)}"}
        )
    finally:
        await api.aclose()
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return response.json()


async def publish(browser: Browser, text: str, visibility: str = "public") -> None:
    """A post through the composer, as the member writes one."""
    response = await browser.submit(
        "/compose",
        {"status": text, "visibility": visibility, "language": "en"},
        token_from="/home",
    )
    assert response.status_code == 303, response.text[:500]
