"""Fixtures for the pages: members signed in through the real OAuth flow, as a browser would."""

import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from fedi.app import Node
from fedi.db.actors import Actor
from fedi.domain.accounts import create_user

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Browser:
    """A cookie-keeping client of the node's pages, signed in as `actor` (or a visitor)."""

    http: httpx.AsyncClient
    actor: Actor | None

    async def page(self, path: str, status: int = 200, **kwargs: Any) -> str:
        response = await self.http.get(path, **kwargs)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        return response.text

    async def submit(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        *,
        token_from: str | None = None,
        files: Any = None,
    ) -> httpx.Response:
        """Post a form with a fresh CSRF token read from `token_from` (a page path)."""
        html = await self.page(token_from or "/")
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        fields.append(("csrf_token", csrf_token(html)))
        grouped: dict[str, list[str]] = {}
        for name, value in fields:
            grouped.setdefault(name, []).append(value)
        return await self.http.post(path, data=grouped, files=files)


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """The whole sign-in: our pages -> the OAuth page -> the callback -> home."""
    start = await http.get("/auth/sign_in")
    assert start.status_code == 303, start.text
    form = await http.get(start.headers["location"])
    assert form.status_code == 200, form.text
    fields = dict(_HIDDEN.findall(form.text))
    fields.update(username=username, password=password, decision="approve")
    answer = await http.post("/oauth/authorize", data=fields)
    if answer.status_code != 302:
        return answer  # refused: the OAuth page says why
    callback = await http.get(answer.headers["location"])
    return callback


MakeBrowser = Callable[..., Coroutine[Any, Any, Browser]]


@pytest_asyncio.fixture(loop_scope="session")
async def make_browser(node: Node, client: httpx.AsyncClient) -> Any:
    """`await make_browser("alice", is_admin=False)` signs a new account in; `None` is a visitor."""
    opened: list[httpx.AsyncClient] = []
    transport = client._transport  # the in-process app of the `client` fixture

    async def make(
        username: str | None = None, *, is_admin: bool = False, **headers: str
    ) -> Browser:
        http = httpx.AsyncClient(
            transport=transport, base_url=node.settings.base_url, headers=headers
        )
        opened.append(http)
        if username is None:
            return Browser(http, None)
        created = await create_user(
            node.pool, node.urls, node.settings.domain, username, is_admin=is_admin
        )
        done = await sign_in(http, username, created.password)
        assert done.status_code == 303 and done.headers["location"] == "/home", done.text
        return Browser(http, created.actor)

    yield make
    for http in opened:
        await http.aclose()
