"""A post in several languages: the draft's rules, what is stored, and what an edit keeps."""

import pytest

from fedi.app import Node
from fedi.db import deliveries as deliveries_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.domain.accounts import create_user
from fedi.domain.post_languages import content_map_of, other_languages
from fedi.domain.posts import MAX_CHARACTERS, MAX_TRANSLATIONS, Draft, check_draft
from fedi.errors import InvalidInput
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def author(node: Node, name: str = "alice") -> Actor:
    return (await create_user(node.pool, node.urls, node.settings.domain, name)).actor


async def stored(node: Node, post_id: int) -> Post:
    async with node.pool.acquire() as conn:
        post = await posts_db.by_id(conn, post_id)
    assert post is not None
    return post


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (Draft("x", translations={"fr": "y"}), "own language"),
        (Draft("x", language="en", translations={"en": "y"}), "the post's own language"),
        (Draft("x", language="pt-BR", translations={"pt-br": "y"}), "the post's own language"),
        (Draft("x", language="en", translations={"pt-BR": "a", "pt-br": "b"}), "given twice"),
        (Draft("x", language="en", translations={"french": "y"}), "not a language code"),
        (Draft("x", language="en", translations={"fr": "  "}), "1 to 5000"),
        (
            Draft("x", language="en", translations={"fr": "y" * (MAX_CHARACTERS + 1)}),
            "1 to 5000",
        ),
        (
            Draft(
                "x",
                language="en",
                translations={f"x{chr(97 + i)}": "y" for i in range(MAX_TRANSLATIONS + 1)},
            ),
            "at most 10 other languages",
        ),
    ],
)
async def test_bad_translations_are_refused_with_a_reason(draft: Draft, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_draft(draft)


async def test_ten_other_languages_are_allowed() -> None:
    codes = ["ar", "de", "es", "fa", "fr", "it", "ja", "ku", "nl", "pt"]
    check_draft(Draft("hello", language="en", translations=dict.fromkeys(codes, "x")))


async def test_translations_are_stored_rendered_as_the_main_text(node: Node) -> None:
    alice = await author(node)
    await author(node, "bob")
    post = await node.publisher.post(
        alice,
        Draft(
            "Hello @bob #rights",
            language="en",
            translations={"fr": "Bonjour @bob #droits https://example.org <b>", "ar": "مرحبا"},
        ),
    )
    kept = await stored(node, post.id)
    assert next(iter(content_map_of(kept))) == "en"
    assert kept.content_map["en"] == kept.content
    french = kept.content_map["fr"]
    assert 'class="u-url mention"' in french and "@<span>bob</span>" in french
    assert 'class="mention hashtag"' in french and "#<span>droits</span>" in french
    assert '<a href="https://example.org"' in french
    assert "&lt;b&gt;" in french and "<b>" not in french
    assert other_languages(kept) == {"fr": french, "ar": kept.content_map["ar"]}


async def test_content_map_lists_the_own_language_first(node: Node) -> None:
    alice = await author(node)
    post = await node.publisher.post(
        alice, Draft("Olá", language="pt", translations={"ar": "مرحبا", "de": "Hallo"})
    )
    # jsonb keeps keys by length and bytes: "ar" and "de" come back before "pt".
    assert next(iter(content_map_of(await stored(node, post.id)))) == "pt"


async def test_an_edit_without_translations_keeps_them(node: Node) -> None:
    alice = await author(node)
    post = await node.publisher.post(
        alice, Draft("Hello", language="en", translations={"fr": "Bonjour", "de": "Hallo"})
    )
    edited = await node.publisher.edit(alice, post.id, Draft("Hello again", language="en"))
    assert "Hello again" in edited.content_map["en"]
    assert set(edited.content_map) == {"en", "fr", "de"}
    assert edited.content_map["fr"] == post.content_map["fr"]


async def test_an_edit_into_a_kept_language_drops_that_translation(node: Node) -> None:
    alice = await author(node)
    post = await node.publisher.post(
        alice, Draft("Hello", language="en", translations={"fr": "Bonjour", "de": "Hallo"})
    )
    edited = await node.publisher.edit(alice, post.id, Draft("Salut", language="fr"))
    assert set(edited.content_map) == {"fr", "de"}
    assert "Salut" in edited.content_map["fr"] and edited.language == "fr"


async def test_an_edit_with_translations_replaces_them(node: Node) -> None:
    alice = await author(node)
    post = await node.publisher.post(
        alice, Draft("Hello", language="en", translations={"fr": "Bonjour", "de": "Hallo"})
    )
    edited = await node.publisher.edit(
        alice, post.id, Draft("Hello", language="en", translations={"es": "Hola"})
    )
    assert set(edited.content_map) == {"en", "es"}
    cleared = await node.publisher.edit(
        alice, post.id, Draft("Hello", language="en", translations={})
    )
    assert cleared.content_map == {"en": cleared.content}
    async with node.pool.acquire() as conn:
        versions = await posts_db.versions(conn, post.id)
    assert [set(v.content_map) for v in versions] == [{"en", "fr", "de"}, {"en", "es"}]


async def test_a_refused_edit_changes_nothing(node: Node) -> None:
    alice = await author(node)
    post = await node.publisher.post(
        alice, Draft("Hello", language="en", translations={"fr": "Bonjour"})
    )
    with pytest.raises(InvalidInput, match="own language"):
        await node.publisher.edit(
            alice, post.id, Draft("Hello", language="en", translations={"en": "Hi"})
        )
    assert (await stored(node, post.id)).content_map == post.content_map


async def test_the_delivered_note_names_its_own_language_first(node: Node) -> None:
    alice = await author(node)
    zoe = await remote_actor(node.pool, "zoe", "remote.example")
    async with node.pool.acquire() as conn:
        await follows_db.upsert(conn, f"{zoe.uri}#f", zoe.id, alice.id, accepted=True)
    await node.publisher.post(
        alice, Draft("Olá", language="pt", translations={"ar": "مرحبا", "de": "Hallo"})
    )
    async with node.pool.acquire() as conn:
        [job] = await deliveries_db.claim(conn, limit=10, lease_seconds=60)
    assert job.inbox_url == "https://remote.example/inbox"
    assert list(job.document["object"]["contentMap"]) == ["pt", "ar", "de"]
    assert job.document["object"]["content"] == job.document["object"]["contentMap"]["pt"]
