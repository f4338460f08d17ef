"""Media endpoints over HTTP: upload, look up, describe, delete, and the stored files served."""

import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import ExifTags, Image

from fedi.app import Node
from fedi.db import activities as activities_db
from fedi.domain.media import MAX_UPLOAD_BYTES
from fedi.domain.posts import Draft
from tests.fedi.api.conftest import ApiUser, MakeUser, get_json
from tests.fedi.api.mastodon_entities import assert_entity
from tests.support.images import CAMERA_SERIAL, photo_with_gps, png_bytes

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def upload(
    client: httpx.AsyncClient,
    user: ApiUser,
    data: bytes,
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    path: str = "/api/v2/media",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        path,
        headers=user.headers,
        files={"file": (filename, data, content_type)},
        data=fields,
    )


async def uploaded(client: httpx.AsyncClient, user: ApiUser, **kwargs: Any) -> dict[str, Any]:
    response = await upload(client, user, kwargs.pop("data", png_bytes()), **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def media_dir(node: Node) -> Path:
    return node.settings.data_dir / "media"


async def test_upload_is_a_finished_media_attachment(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await upload(
        client, alice, photo_with_gps((1280, 960)), description="A square", focus="0.5,-0.25"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert_entity(body, "MediaAttachment")
    assert body["type"] == "image"
    assert body["url"].startswith("https://fedi.test/media/") and body["url"].endswith(".jpg")
    assert body["preview_url"].startswith("https://fedi.test/media/")
    assert body["preview_url"] != body["url"]
    assert body["remote_url"] is None
    assert body["description"] == "A square"
    assert body["blurhash"]
    assert body["meta"]["original"] == {
        "width": 1280,
        "height": 960,
        "size": "1280x960",
        "aspect": 1280 / 960,
    }
    assert body["meta"]["small"]["width"] == 640 and body["meta"]["small"]["height"] == 480
    assert body["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert "photo" not in body["url"], "the client's file name is never used"


async def test_v1_upload_answers_the_same_entity(client: httpx.AsyncClient, alice: ApiUser) -> None:
    body = await uploaded(client, alice, path="/api/v1/media")
    assert_entity(body, "MediaAttachment")
    assert body["type"] == "image" and body["description"] is None


async def test_served_file_has_the_right_type_and_no_gps(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    body = await uploaded(client, alice, data=photo_with_gps())
    for url, content_type in ((body["url"], "image/jpeg"), (body["preview_url"], "image/jpeg")):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == content_type
        assert response.headers["x-content-type-options"] == "nosniff"
        image = Image.open(io.BytesIO(response.content))
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert b"Exif" not in response.content
        assert CAMERA_SERIAL.encode() not in response.content


async def test_png_named_as_text_is_a_png(client: httpx.AsyncClient, alice: ApiUser) -> None:
    body = await uploaded(client, alice, filename="notes.txt", content_type="text/plain")
    assert body["url"].endswith(".png")
    response = await client.get(body["url"])
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"


@pytest.mark.parametrize(
    "data",
    [b"just some text, said to be a photo", b"<html><script>alert(1)</script></html>"],
    ids=["text", "html"],
)
async def test_non_image_named_jpg_is_422(
    client: httpx.AsyncClient, alice: ApiUser, node: Node, data: bytes
) -> None:
    response = await upload(client, alice, data, filename="photo.jpg")
    assert response.status_code == 422
    assert "not a supported image" in response.json()["error"]
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media_attachments") == 0


async def test_missing_file_is_422(client: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await client.post("/api/v2/media", headers=alice.headers, data={"a": "b"})
    assert response.status_code == 422
    assert "file" in response.json()["error"]


async def test_oversize_upload_is_refused(
    client: httpx.AsyncClient, alice: ApiUser, node: Node
) -> None:
    big = png_bytes() + b"\0" * MAX_UPLOAD_BYTES
    response = await upload(client, alice, big, filename="big.png")
    assert response.status_code == 413
    assert "16 MB" in response.json()["error"]
    async with node.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media_attachments") == 0


async def test_oversize_body_is_refused_while_it_streams(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    """No Content-Length to trust: the limit is counted on the bytes as they arrive."""

    async def chunks() -> Any:
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        for _ in range(20):
            yield b"\0" * (1024 * 1024)

    response = await client.post(
        "/api/v2/media",
        headers={**alice.headers, "Content-Type": "multipart/form-data; boundary=x"},
        content=chunks(),
    )
    assert response.status_code == 413


async def test_description_and_focus_can_be_changed(
    client: httpx.AsyncClient, alice: ApiUser
) -> None:
    media = await uploaded(client, alice)
    response = await client.put(
        f"/api/v1/media/{media['id']}",
        headers=alice.headers,
        data={"description": "Two people at a desk", "focus": "-0.5,1"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "Two people at a desk"
    assert response.json()["meta"]["focus"] == {"x": -0.5, "y": 1.0}
    # JSON works as well, and a missing field leaves the other unchanged.
    response = await client.put(
        f"/api/v1/media/{media['id']}", headers=alice.headers, json={"focus": "0,0"}
    )
    assert response.json()["description"] == "Two people at a desk"
    shown = await get_json(client, f"/api/v1/media/{media['id']}", alice)
    assert shown["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    assert shown["url"] == media["url"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "x" * 1501}, "1500"),
        ({"focus": "2,0"}, "between -1.0 and 1.0"),
        ({"focus": "left"}, "two numbers"),
    ],
)
async def test_bad_description_or_focus_is_422_and_changes_nothing(
    client: httpx.AsyncClient, alice: ApiUser, fields: dict[str, str], message: str
) -> None:
    media = await uploaded(client, alice, description="kept")
    response = await client.put(f"/api/v1/media/{media['id']}", headers=alice.headers, data=fields)
    assert response.status_code == 422
    assert message in response.json()["error"]
    shown = await get_json(client, f"/api/v1/media/{media['id']}", alice)
    assert shown["description"] == "kept" and shown["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    refused = await upload(client, alice, png_bytes(), **fields)
    assert refused.status_code == 422


async def test_someone_elses_media_is_not_found(
    client: httpx.AsyncClient, alice: ApiUser, bob: ApiUser
) -> None:
    media = await uploaded(client, alice, description="mine")
    path = f"/api/v1/media/{media['id']}"
    assert (await client.get(path, headers=bob.headers)).status_code == 404
    response = await client.put(path, headers=bob.headers, data={"description": "taken"})
    assert response.status_code == 404
    assert (await client.delete(path, headers=bob.headers)).status_code == 404
    assert (await get_json(client, path, alice))["description"] == "mine"
    for missing in ("/api/v1/media/999999", "/api/v1/media/abc"):
        assert (await client.get(missing, headers=alice.headers)).status_code == 404


async def test_no_token_is_401_and_a_read_token_is_403(
    client: httpx.AsyncClient, alice: ApiUser, make_user: MakeUser
) -> None:
    files = {"file": ("a.png", png_bytes(), "image/png")}
    assert (await client.post("/api/v2/media", files=files)).status_code == 401
    media = await uploaded(client, alice)
    assert (await client.get(f"/api/v1/media/{media['id']}")).status_code == 401
    reader = await make_user("reader", scopes=["read"])
    assert (await upload(client, reader, png_bytes())).status_code == 403
    writer = await make_user("writer", scopes=["write:media"])
    assert (await upload(client, writer, png_bytes())).status_code == 200


async def test_attached_media_can_no_longer_be_changed_here(
    client: httpx.AsyncClient, alice: ApiUser, node: Node
) -> None:
    media = await uploaded(client, alice, description="on a post")
    await node.publisher.post(alice.actor, Draft("look", media_ids=(int(media["id"]),)))
    path = f"/api/v1/media/{media['id']}"
    # As Mastodon: once posted, the media is changed through the status, not here.
    assert (await client.get(path, headers=alice.headers)).status_code == 404
    response = await client.put(path, headers=alice.headers, data={"description": "no"})
    assert response.status_code == 404
    assert (await client.delete(path, headers=alice.headers)).status_code == 422


async def test_delete_removes_the_row_and_the_files(
    client: httpx.AsyncClient, alice: ApiUser, node: Node
) -> None:
    media = await uploaded(client, alice)
    names = [media[key].removeprefix("https://fedi.test/media/") for key in ("url", "preview_url")]
    assert all((media_dir(node) / name).is_file() for name in names)
    response = await client.delete(f"/api/v1/media/{media['id']}", headers=alice.headers)
    assert response.status_code == 200 and response.json() == {}
    assert not any((media_dir(node) / name).exists() for name in names)
    assert (await client.get(media["url"])).status_code == 404
    path = f"/api/v1/media/{media['id']}"
    assert (await client.get(path, headers=alice.headers)).status_code == 404


async def test_nothing_outside_the_media_folder_is_served(
    client: httpx.AsyncClient, node: Node
) -> None:
    secret = node.settings.data_dir / "fedi-media-test-secret.txt"
    secret.write_text("private key material")
    try:
        for path in (
            "/media/../fedi-media-test-secret.txt",
            "/media/%2e%2e/fedi-media-test-secret.txt",
            "/media/%2e%2e%2ffedi-media-test-secret.txt",
            "/media//etc/passwd",
            "/media/%2fetc%2fpasswd",
        ):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "private key material" not in response.text
    finally:
        secret.unlink()


async def test_a_file_we_did_not_write_is_never_rendered(
    client: httpx.AsyncClient, node: Node
) -> None:
    stray = media_dir(node) / "stray-test.html"
    stray.write_text("<script>alert(1)</script>")
    try:
        response = await client.get("/media/stray-test.html")
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"] == "attachment"
        assert response.headers["x-content-type-options"] == "nosniff"
    finally:
        stray.unlink()


async def test_posted_media_shows_in_the_status_and_the_note(
    client: httpx.AsyncClient, alice: ApiUser, node: Node
) -> None:
    media = await uploaded(
        client, alice, data=photo_with_gps((800, 600)), description="A desk", focus="0.25,-0.5"
    )
    post = await node.publisher.post(alice.actor, Draft("look", media_ids=(int(media["id"]),)))
    async with node.pool.acquire() as conn:
        note = await node.publisher.note_for(conn, post, alice.actor)
        create = await activities_db.document_by_uri(conn, f"{post.uri}/activity")
    expected = {
        "type": "Document",
        "mediaType": "image/jpeg",
        "url": media["url"],
        "name": "A desk",
        "blurhash": media["blurhash"],
        "width": 800,
        "height": 600,
        "focalPoint": [0.25, -0.5],
    }
    assert note["attachment"] == [expected]
    assert create is not None, "a public post is published as a Create"
    assert create["object"]["attachment"] == [expected]
    fetched = await client.get(
        post.uri.removeprefix("https://fedi.test"),
        headers={"Accept": "application/activity+json"},
    )
    assert fetched.json()["attachment"] == [expected]
