"""Markers: the saved reading position in home and notifications, with a version per change."""

import httpx
import pytest

from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/api/v1/markers"
BOTH = f"{URL}?timeline[]=home&timeline[]=notifications"


async def save(client: httpx.AsyncClient, user: ApiUser, **body: object) -> httpx.Response:
    return await client.post(URL, json=body, headers=user.headers)


async def test_no_markers_yet_is_an_empty_object(client: httpx.AsyncClient, alice: ApiUser) -> None:
    assert await get_json(client, BOTH, alice) == {}
    assert await get_json(client, URL, alice) == {}


async def test_saved_markers_are_read_back(client: httpx.AsyncClient, alice: ApiUser) -> None:
    saved = await save(client, alice, home={"last_read_id": "105"})
    assert saved.status_code == 200
    assert list(saved.json()) == ["home"]
    assert_entity(saved.json()["home"], "Marker")
    await save(client, alice, notifications={"last_read_id": 7})
    both = await get_json(client, BOTH, alice)
    assert both["home"]["last_read_id"] == "105"
    assert both["notifications"]["last_read_id"] == "7"
    only_home = await get_json(client, f"{URL}?timeline[]=home", alice)
    assert list(only_home) == ["home"]


async def test_form_parameters_as_mastodon_documents_them(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await client.post(
        URL,
        data={"home[last_read_id]": "9", "notifications[last_read_id]": "3"},
        headers=alice.headers,
    )
    assert response.status_code == 200
    assert {k: v["last_read_id"] for k, v in response.json().items()} == {
        "home": "9",
        "notifications": "3",
    }


async def test_version_counts_changes(client: httpx.AsyncClient, alice: ApiUser) -> None:
    first = (await save(client, alice, home={"last_read_id": "1"})).json()["home"]
    moved = (await save(client, alice, home={"last_read_id": "2"})).json()["home"]
    same = (await save(client, alice, home={"last_read_id": "2"})).json()["home"]
    assert moved["version"] == first["version"] + 1
    assert same["version"] == moved["version"]


async def test_markers_are_per_account(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    await save(client, alice, home={"last_read_id": "5"})
    assert await get_json(client, BOTH, bob) == {}


async def test_bad_id_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await save(
        client, alice, home={"last_read_id": "4"}, notifications={"last_read_id": "abc"}
    )
    assert response.status_code == 422 and "error" in response.json()
    assert await get_json(client, BOTH, alice) == {}


async def test_scopes(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    reader = await make_user("reader", scopes=["read:statuses"])
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(BOTH, headers=reader.headers)).status_code == 200
    assert (await save(client, reader, home={"last_read_id": "1"})).status_code == 403
