"""The node's front page: who runs it, its public groups, rules, languages and how to join."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from fedi.app import Node, create_app, running_node
from fedi.config import Settings
from fedi.domain.accounts import create_user
from tests.conftest import make_settings
from tests.support.groups import make_group
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")

DESCRIPTION = "We defend human-rights lawyers.\n\nFounded in 2009 <script>alert(1)</script>"


@pytest.fixture
def settings() -> Settings:
    return make_settings(
        FEDI_INSTANCE_NAME="Lawyers for Rights",
        FEDI_INSTANCE_DESCRIPTION=DESCRIPTION,
        FEDI_RULES="Be kind to one another.\nNever publish a client's name.",
        FEDI_LANGUAGES="en,ar,fr",
        FEDI_REGISTRATIONS="approval",
    )


@asynccontextmanager
async def visitor_of(pool: Any, **env: str) -> AsyncIterator[httpx.AsyncClient]:
    """A visitor's client of a node started with these settings."""
    async with running_node(make_settings(**env), pool) as node:
        transport = httpx.ASGITransport(app=create_app(node))
        async with httpx.AsyncClient(transport=transport, base_url=node.settings.base_url) as http:
            yield http


async def test_a_visitor_reads_who_the_node_is_its_rules_languages_and_how_to_join(
    make_browser: MakeBrowser,
) -> None:
    visitor = await make_browser()
    html = await visitor.page("/")
    assert "<h1><bdi>Lawyers for Rights</bdi></h1>" in html
    assert "We defend human-rights lawyers." in html
    # The description is text: its markup shows as written, never runs.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Be kind to one another." in html and "Never publish a client&#39;s name." in html
    for name in ("English", "Arabic", "French"):
        assert f"<li>{name}</li>" in html
    assert "the administrators approve each request" in html
    assert 'href="/auth/sign_up"' in html
    assert 'href="/auth/sign_in"' in html


async def test_the_front_page_lists_public_groups_only(
    node: Node, make_browser: MakeBrowser
) -> None:
    owner = (await create_user(node.pool, node.urls, node.settings.domain, "owner")).actor
    await make_group(node, owner, "lawyers", visibility="public")
    await make_group(node, owner, "circle", visibility="members")
    await make_group(node, owner, "safehouse", visibility="confidential")
    visitor = await make_browser()
    html = await visitor.page("/")
    assert 'href="/groups/lawyers"' in html
    assert "circle" not in html
    assert "safehouse" not in html
    # A member of the node sees the same list: the front page is the public face.
    member = await make_browser("reader")
    html = await member.page("/")
    assert 'href="/groups/lawyers"' in html and "circle" not in html


async def test_a_signed_in_member_still_sees_the_front_page_with_a_way_home(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/")
    assert "Lawyers for Rights" in html
    assert 'href="/home"' in html
    assert 'id="front-sign-in"' not in html
    assert 'id="front-sign-up"' not in html


@pytest.mark.parametrize(
    ("mode", "says", "sign_up"),
    [
        ("open", "Anyone may create an account here.", True),
        ("approval", "the administrators approve each request", True),
        ("invite", "new members need an invitation link", False),
        ("closed", "not taking new members at the moment", False),
    ],
)
async def test_how_to_join_follows_the_registration_mode(
    pool: Any, mode: str, says: str, sign_up: bool
) -> None:
    async with visitor_of(pool, FEDI_REGISTRATIONS=mode) as http:
        response = await http.get("/")
    assert response.status_code == 200
    assert says in response.text
    assert ('href="/auth/sign_up"' in response.text) is sign_up


async def test_the_front_page_speaks_the_readers_language(pool: Any) -> None:
    async with visitor_of(pool, FEDI_LANGUAGES="ar,en", FEDI_RULES="Rule one") as http:
        response = await http.get("/", headers={"Accept-Language": "ar"})
    html = response.text
    assert 'dir="rtl"' in html
    assert "How to join" not in html
    # Language names are given in the reader's language.
    assert "<li>العربية</li>" in html
