"""A post in several languages on the pages: the composer's added languages, the versions under
the post, and the Note other servers fetch."""

import html
import re
from typing import Any

import httpx
import pytest

from fedi.app import Node
from fedi.db import posts as posts_db
from fedi.db.posts import Post
from tests.web.conftest import MakeBrowser

pytestmark = pytest.mark.asyncio(loop_scope="session")
AS_JSON = {"Accept": "application/activity+json"}


def post_form(text: str, language: str, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    fields = [("status", text), ("language", language), ("visibility", "public")]
    for extra_language, extra_text in rows:
        fields += [("extra_language", extra_language), ("extra_text", extra_text)]
    return fields


async def posts(node: Node) -> list[Post]:
    async with node.pool.acquire() as conn:
        ids = [row["id"] for row in await conn.fetch("SELECT id FROM posts ORDER BY id")]
        return await posts_db.by_ids(conn, ids)


async def test_the_composer_offers_two_added_languages(make_browser: MakeBrowser) -> None:
    alice = await make_browser("alice")
    page = await alice.page("/home")
    section = page[page.index('<details class="composer-languages"') :]
    section = section[: section.index("</details>")]
    assert "Add another language" in section
    assert section.count('name="extra_language"') == 2
    assert section.count('name="extra_text"') == 2
    for index in range(2):
        assert f'<label for="compose-extra-language-{index}">' in section
        assert f'<label for="compose-extra-text-{index}">' in section
    assert '<option value="fr">' in section


async def test_a_post_in_two_languages_shows_both_and_federates_both(
    make_browser: MakeBrowser, node: Node, client: httpx.AsyncClient
) -> None:
    alice = await make_browser("alice")
    answer = await alice.submit(
        "/compose",
        post_form("Hello friends", "en", [("fr", "Bonjour les amis"), ("", "")]),
        token_from="/home",
    )
    assert answer.status_code == 303, answer.text
    [post] = await posts(node)
    assert post.language == "en" and set(post.content_map) == {"en", "fr"}

    page = await alice.page(f"/statuses/{post.id}")
    assert "Hello friends" in page
    french = re.search(
        r'<details class="status-language">\s*<summary>In French</summary>\s*'
        r'<div class="content" lang="fr" dir="auto">(.*?)</div>',
        page,
        re.S,
    )
    assert french is not None and "Bonjour les amis" in french.group(1)
    visitor = await make_browser()
    assert "Bonjour les amis" in await visitor.page(f"/statuses/{post.id}")

    note = (await client.get(f"/users/alice/statuses/{post.id}", headers=AS_JSON)).json()
    assert list(note["contentMap"]) == ["en", "fr"]
    assert note["content"] == note["contentMap"]["en"] == post.content
    assert "Bonjour les amis" in note["contentMap"]["fr"]


async def test_the_versions_are_named_in_the_readers_language(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice", **{"Accept-Language": "ar"})
    answer = await alice.submit(
        "/compose", post_form("Hello", "en", [("fr", "Bonjour")]), token_from="/home"
    )
    assert answer.status_code == 303, answer.text
    [post] = await posts(node)
    page = await alice.page(f"/statuses/{post.id}")
    assert "<summary>باللغة الفرنسية</summary>" in page
    assert "إضافة لغة أخرى" in await alice.page("/home")


async def test_a_content_warning_goes_with_each_version(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    fields = post_form("Hard news", "en", [("de", "Schwere Nachrichten")])
    fields.append(("spoiler_text", "violence"))
    assert (await alice.submit("/compose", fields, token_from="/home")).status_code == 303
    [post] = await posts(node)
    page = await alice.page(f"/statuses/{post.id}")
    assert '<summary>In German · <bdi lang="en">violence</bdi></summary>' in page


async def test_user_text_in_a_version_is_escaped(make_browser: MakeBrowser, node: Node) -> None:
    alice = await make_browser("alice")
    attack = "<script>alert(1)</script>"
    fields = post_form("Hello", "en", [("fr", f"Bonjour {attack}")])
    assert (await alice.submit("/compose", fields, token_from="/home")).status_code == 303
    [post] = await posts(node)
    page = await alice.page(f"/statuses/{post.id}")
    assert attack not in page
    assert html.escape(attack, quote=False) in page


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("fr", "Bonjour"), ("fr", "Salut")], "Each added language may be chosen only once."),
        ([("en", "Hi")], "An added version cannot be in the post's own language."),
        ([("", "Bonjour")], "Choose the language of each added version of the post."),
    ],
)
async def test_bad_rows_are_refused_with_a_clear_message(
    make_browser: MakeBrowser, node: Node, rows: list[tuple[str, str]], message: str
) -> None:
    alice = await make_browser("alice")
    answer = await alice.submit("/compose", post_form("Hello", "en", rows), token_from="/home")
    assert answer.status_code == 422
    assert message in html.unescape(answer.text)
    assert await posts(node) == []


async def test_a_refusal_is_told_in_the_readers_language(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice", **{"Accept-Language": "fr"})
    fields = post_form("Hello", "en", [("de", "Hallo"), ("de", "Servus")])
    answer = await alice.submit("/compose", fields, token_from="/home")
    assert answer.status_code == 422
    assert "Chaque langue ajoutée ne peut être choisie qu\u2019une seule fois." in answer.text
    assert await posts(node) == []


async def test_the_apis_refusal_is_shown(make_browser: MakeBrowser, node: Node) -> None:
    """A language the select does not offer still reaches the API, which refuses it."""
    alice = await make_browser("alice")
    fields = post_form("Hello", "en", [("not a language", "Bonjour")])
    answer = await alice.submit("/compose", fields, token_from="/home")
    assert answer.status_code == 422
    assert "is not a language code" in html.unescape(answer.text)
    assert await posts(node) == []


async def test_a_post_without_added_languages_shows_no_versions(
    make_browser: MakeBrowser, node: Node
) -> None:
    alice = await make_browser("alice")
    fields = post_form("Only English", "en", [("fr", "   "), ("de", "")])
    assert (await alice.submit("/compose", fields, token_from="/home")).status_code == 303
    [post] = await posts(node)
    assert post.content_map == {"en": post.content}
    assert 'class="status-language"' not in await alice.page(f"/statuses/{post.id}")


async def test_without_csrf_token_nothing_is_posted(make_browser: MakeBrowser, node: Node) -> None:
    alice = await make_browser("alice")
    fields: dict[str, Any] = {"status": "Hello", "language": "en"}
    fields.update(extra_language="fr", extra_text="Bonjour")
    answer = await alice.http.post("/compose", data=fields)
    assert answer.status_code == 403
    assert await posts(node) == []
