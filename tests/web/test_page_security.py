"""What keeps the pages safe in a browser: headers, cookies, languages chosen safely."""

import re

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedi.web.i18n import translator
from fedi.web.page import NOT_FOUND, PageError
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _set_cookie_headers(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key == "set-cookie" and value.startswith(name + "=")]


async def test_pages_carry_a_strict_csp_and_no_referrer(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    response = await visitor.http.get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_cookies_are_secure_httponly_samesite_and_the_session_ends_with_the_browser(
    make_browser: MakeBrowser,
) -> None:
    visitor = await make_browser()
    first = await visitor.http.get("/")
    (csrf,) = _set_cookie_headers(first.headers.multi_items(), "fedi_csrf")
    alice = await make_browser("alice")
    start = await alice.http.get("/auth/sign_in", headers={"cookie": ""})
    assert start.status_code in (303, 307)
    for cookie in [csrf]:
        lowered = cookie.lower()
        assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered
    session = next(c for c in alice.http.cookies.jar if c.name == "fedi_session")
    assert session.secure and session.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite", "").lower() == "lax"
    assert session.expires is None  # a browser-session cookie: not kept on a shared phone


async def test_member_pages_are_never_cached(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    response = await alice.http.get("/home")
    assert response.headers["cache-control"] == "no-store"


async def test_arabic_readers_get_right_to_left_pages(make_browser: MakeBrowser) -> None:
    reader = await make_browser(None, **{"accept-language": "ar,en;q=0.5"})
    html = await reader.page("/")
    assert '<html lang="ar" dir="rtl">' in html


async def test_the_language_a_member_chooses_beats_the_browser_and_is_remembered(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice", **{"accept-language": "de"})
    assert '<html lang="de" dir="ltr">' in await alice.page("/home")
    response = await alice.submit(
        "/settings/language", {"lang": "fr", "next": "/home"}, token_from="/home"
    )
    assert response.status_code == 303 and response.headers["location"] == "/home"
    alice.http.cookies.delete("fedi_lang")  # the account remembers it, not only this browser
    assert '<html lang="fr" dir="ltr">' in await alice.page("/home")


async def test_an_unknown_language_or_a_redirect_elsewhere_is_refused(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    refused = await alice.submit("/settings/language", {"lang": "xx"}, token_from="/home")
    assert refused.status_code == 400
    elsewhere = await alice.submit(
        "/settings/language", {"lang": "pt", "next": "//evil.example/"}, token_from="/home"
    )
    assert elsewhere.headers["location"] == "/"


async def test_dates_follow_the_readers_locale(make_browser: MakeBrowser) -> None:
    english = await make_browser("alice", **{"accept-language": "en"})
    await english.submit("/compose", {"status": "dated"}, token_from="/home")
    german = await make_browser(None, **{"accept-language": "de"})
    german.http.cookies.update(english.http.cookies)
    english_html, german_html = await english.page("/home"), await german.page("/home")
    english_date = re.search(r"<time [^>]*>([^<]+)</time>", english_html)
    german_date = re.search(r"<time [^>]*>([^<]+)</time>", german_html)
    assert english_date and german_date
    assert english_date.group(1) != german_date.group(1)
    assert re.match(r"\d{2}\.\d{2}\.\d{2}", german_date.group(1))  # 21.11.26, 13:28


async def test_an_error_message_with_a_percent_sign_is_shown_as_written(
    make_browser: MakeBrowser,
) -> None:
    """API messages may quote what someone typed: never %-formatted, always escaped."""
    visitor = await make_browser()
    app = visitor.http._transport.app  # type: ignore[attr-defined]

    async def refuse(request: Request) -> Response:
        raise PageError(422, "100% of <b>that</b> is wrong")

    app.router.routes.insert(0, Route("/test-refusal", refuse))
    response = await visitor.http.get("/test-refusal")
    assert response.status_code == 422
    assert "100% of &lt;b&gt;that&lt;/b&gt; is wrong" in response.text


@pytest.mark.parametrize("path", ["/@nobody", "/groups/nothing_here", "/statuses/999999"])
async def test_a_missing_page_answers_in_the_readers_language(
    make_browser: MakeBrowser, path: str
) -> None:
    reader = await make_browser(None, **{"accept-language": "ar"})
    html = await reader.page(path, status=404)
    assert '<html lang="ar" dir="rtl">' in html
    assert "This page does not exist." not in html
    assert translator("ar").gettext(NOT_FOUND) in html
