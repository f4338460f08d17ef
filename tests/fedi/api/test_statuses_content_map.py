"""fedi's `content_map` in the statuses API: posting and editing a post in several languages."""

from typing import Any

import httpx
import pytest

from fedi.app import Node
from tests.fedi.api.conftest import ApiUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.fedi.api.test_statuses import count_posts, post_status

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def put_status(
    client: httpx.AsyncClient, user: ApiUser, status_id: str, **kwargs: Any
) -> dict[str, Any]:
    response = await client.put(f"/api/v1/statuses/{status_id}", headers=user.headers, **kwargs)
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


async def test_form_fields_give_other_languages(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={
            "status": "Hello",
            "language": "pt",
            "content_map[fr]": "Bonjour",
            "content_map[ar]": "مرحبا",
        },
    )
    assert response.status_code == 200, response.text
    status = response.json()
    assert_entity(status, "Status")
    assert status["language"] == "pt"
    assert next(iter(status["content_map"])) == "pt"
    assert set(status["content_map"]) == {"pt", "fr", "ar"}
    assert status["content_map"]["pt"] == status["content"] == "<p>Hello</p>"
    assert status["content_map"]["fr"] == "<p>Bonjour</p>"
    shown = await get_json(client, f"/api/v1/statuses/{status['id']}", alice)
    assert shown["content_map"] == status["content_map"]


async def test_a_json_object_gives_other_languages(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(
        client, alice, status="Hello", language="en", content_map={"de": "Hallo <b>"}
    )
    assert status["content_map"]["de"] == "<p>Hallo &lt;b&gt;</p>"


async def test_multipart_gives_other_languages(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": "Hello", "language": "en", "content_map[es]": "Hola"},
        files={"unused": ("a.txt", b"x", "text/plain")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["content_map"]["es"] == "<p>Hola</p>"


async def test_a_post_without_language_has_an_empty_map(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(client, alice, status="Hello")
    assert status["language"] is None and status["content_map"] == {}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"language": "en", "content_map": {"en": "Hi"}}, "the post's own language"),
        ({"content_map": {"fr": "Salut"}}, "give the post's own language"),
        ({"language": "en", "content_map": "Salut"}, "content_map must map language codes"),
        ({"language": "en", "content_map": {"fr": ["a"]}}, "content_map[fr] must be text"),
        ({"language": "en", "content_map": {"français": "Salut"}}, "not a language code"),
        ({"language": "en", "content_map": {"fr": "x" * 5001}}, "1 to 5000"),
        (
            {"language": "en", "content_map": {f"x{chr(97 + i)}": "y" for i in range(11)}},
            "at most 10 other languages",
        ),
    ],
)
async def test_bad_content_map_is_refused_and_posts_nothing(
    client: httpx.AsyncClient, node: Node, alice: ApiUser, fields: dict[str, Any], message: str
) -> None:
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "Hello", **fields}
    )
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]
    assert await count_posts(node) == 0


async def test_an_edit_keeps_replaces_or_clears_other_languages(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    status = await post_status(
        client, alice, status="Hello", language="en", content_map={"fr": "Bonjour"}
    )
    kept = await put_status(client, alice, status["id"], json={"status": "Hello again"})
    assert kept["content_map"] == {"en": "<p>Hello again</p>", "fr": "<p>Bonjour</p>"}
    replaced = await put_status(
        client, alice, status["id"], data={"status": "Hello", "content_map[de]": "Hallo"}
    )
    assert replaced["content_map"] == {"en": "<p>Hello</p>", "de": "<p>Hallo</p>"}
    cleared = await put_status(
        client, alice, status["id"], data={"status": "Hello", "content_map[de]": ""}
    )
    assert cleared["content_map"] == {"en": "<p>Hello</p>"}


async def test_a_boost_shows_the_languages_in_its_reblog(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    status = await post_status(
        client, alice, status="Hello", language="en", content_map={"fr": "Bonjour"}
    )
    response = await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    assert response.status_code == 200, response.text
    boost = response.json()
    assert boost["content_map"] == {}
    assert boost["reblog"]["content_map"] == status["content_map"]
