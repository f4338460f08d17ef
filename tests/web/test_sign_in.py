"""Signing in to the pages through the node's own OAuth flow, and out again."""

import httpx
import pytest

from fedi.app import Node
from tests.web.conftest import MakeBrowser, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_visitor_is_sent_to_sign_in_and_back(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    response = await visitor.http.get("/home")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign_in?next=%2Fhome"


async def test_signing_in_opens_home_with_a_secure_httponly_session_cookie(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/home")
    assert "compose-text" in html
    cookie = next(c for c in alice.http.cookies.jar if c.name == "fedi_session")
    assert cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly")


async def test_a_wrong_password_signs_no_one_in(node: Node, make_browser: MakeBrowser) -> None:
    await make_browser("carol")
    visitor = await make_browser()
    answer = await sign_in(visitor.http, "carol", "not the password")
    assert answer.status_code == 401
    assert "fedi_session" not in visitor.http.cookies


async def test_sign_out_ends_the_session(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    token = alice.http.cookies["fedi_session"]
    response = await alice.submit("/auth/sign_out", token_from="/home")
    assert response.status_code == 303
    stale = httpx.AsyncClient(transport=alice.http._transport, base_url=str(alice.http.base_url))
    stale.cookies.set("fedi_session", token)
    assert (await stale.get("/home")).status_code == 303
    await stale.aclose()


async def test_a_form_without_its_csrf_token_changes_nothing(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    response = await alice.http.post("/compose", data={"status": "forged"})
    assert response.status_code == 403
    html = await alice.page("/home")
    assert "forged" not in html


async def test_posting_from_the_composer_shows_the_post_at_home(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    response = await alice.submit(
        "/compose",
        {"status": "Hello from the page", "visibility": "public", "language": "en"},
        token_from="/home",
    )
    assert response.status_code == 303, response.text
    html = await alice.page("/home?notice=posted")
    assert "Hello from the page" in html
    assert "Your post is published." in html


async def test_sign_out_everywhere_ends_every_session(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    second = httpx.AsyncClient(transport=alice.http._transport, base_url=str(alice.http.base_url))
    second.cookies.set("fedi_session", alice.http.cookies["fedi_session"])
    html = await alice.page("/settings/sessions")
    assert "Sign out everywhere" in html
    response = await alice.submit("/settings/sessions/end_all", token_from="/settings/sessions")
    assert response.status_code == 303
    assert (await second.get("/home")).status_code == 303
    await second.aclose()
