"""Search (accounts, hashtags, posts) for members, and a hashtag's timeline for anyone."""

import re

import pytest

from fedi.web.search_page import names_remote
from tests.web.conftest import MakeBrowser
from tests.web.member_support import api_get, publish

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_visitor_is_sent_to_sign_in(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    response = await visitor.http.get("/search?q=alice")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/sign_in?next=%2Fsearch%3Fq%3Dalice"


async def test_the_empty_page_is_one_search_box(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/search")
    assert 'id="search-query"' in html
    assert "People and groups" not in html


async def test_accounts_are_found_and_link_to_their_profiles(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    await make_browser("alicia")
    html = await alice.page("/search?q=alic")
    assert 'href="/@alicia"' in html
    assert 'href="/follow?q=alicia"' in html


async def test_hashtags_link_to_their_timeline(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    await publish(alice, "Court date set #Solidarity")
    html = await alice.page("/search?q=%23solid")
    assert 'href="/tags/solidarity"' in html


async def test_a_post_address_finds_the_post(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    bob = await make_browser("bob")
    await publish(alice, "Statement on the verdict")
    [status] = await api_get(alice, "/api/v1/timelines/home")
    html = await bob.page("/search", params={"q": status["url"]})
    assert "Statement on the verdict" in html
    assert f'id="status-{status["id"]}"' in html


async def test_nothing_found_says_so(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/search?q=zzzqqq")
    assert 'id="search-nothing"' in html


async def test_a_handle_elsewhere_that_does_not_answer_finds_nothing(
    make_browser: MakeBrowser,
) -> None:
    alice = await make_browser("alice")
    html = await alice.page("/search?q=someone@unknown.example")
    assert 'id="search-nothing"' in html


async def test_only_handles_and_addresses_are_resolved() -> None:
    assert names_remote("name@server.example")
    assert names_remote("@name@server.example")
    assert names_remote("https://server.example/@name")
    assert not names_remote("human rights")
    assert not names_remote("alice")
    assert not names_remote("#tag")
    assert not names_remote("a@b c")


async def test_user_text_is_shown_as_text(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    await make_browser("mallory")
    mallory_html = await alice.page("/search?q=%3Cscript%3Emallory")
    assert "<script>mallory" not in mallory_html
    assert "&lt;script&gt;mallory" in mallory_html


async def test_a_tag_timeline_shows_public_posts_to_visitors(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    await publish(alice, "Open letter #freethem")
    await publish(alice, "Only for followers #freethem", visibility="private")
    visitor = await make_browser()
    html = await visitor.page("/tags/freethem")
    assert "<bdi>#freethem</bdi>" in html
    assert "Open letter" in html
    assert "Only for followers" not in html
    assert "/favourite" not in html
    member_html = await alice.page("/tags/freethem")
    assert "Open letter" in member_html
    assert 'action="/statuses/' in member_html


async def test_a_tag_timeline_pages_to_older_posts(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    for number in range(22):
        await publish(alice, f"item {number} #archive")
    html = await alice.page("/tags/archive")
    assert "item 21 " in html and "item 0 " not in html
    found = re.search(r'href="(/tags/archive\?max_id=\d+)"', html)
    assert found
    assert "item 0 " in await alice.page(found.group(1))


async def test_a_name_that_cannot_be_a_tag_is_not_found(make_browser: MakeBrowser) -> None:
    visitor = await make_browser()
    await visitor.page("/tags/not%20a%20tag", status=404)
