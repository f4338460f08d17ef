"""The image pipeline: type by content, no metadata left, limits, previews, profile images."""

import io
import re
from pathlib import Path

import blurhash
import pytest
from PIL import ExifTags, Image

from fedi.domain.media import (
    MAX_STORED_PIXELS,
    MAX_UPLOAD_BYTES,
    THUMBNAIL_SIDE,
    FileTooLarge,
    StoredImage,
    parse_focus,
    store_image,
    store_profile_image,
    thumbnail_size,
)
from fedi.errors import InvalidInput
from tests.support.images import (
    CAMERA_SERIAL,
    SECRET_COMMENT,
    animated_gif,
    halves,
    image_bytes,
    photo_with_gps,
    png_bytes,
    png_header_only,
)

NAME = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{32})(-small)?\.(jpg|png|webp|gif)$")


def opened(media_dir: Path, name: str | None) -> Image.Image:
    assert name is not None
    return Image.open(media_dir / name)


def test_gps_and_every_other_metadata_are_gone(tmp_path: Path) -> None:
    source = photo_with_gps()
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it had GPS
    stored = store_image(tmp_path, source)
    for name in (stored.file_name, stored.thumbnail_name):
        assert name is not None
        raw = (tmp_path / name).read_bytes()
        image = Image.open(io.BytesIO(raw))
        assert not image.getexif(), "no EXIF at all, so no GPS IFD either"
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"exif", "icc_profile", "comment", "xmp"}.isdisjoint(image.info)
        assert b"Exif" not in raw and CAMERA_SERIAL.encode() not in raw
        assert SECRET_COMMENT.encode() not in raw and b"PhoneMaker" not in raw


def test_exif_orientation_is_applied_before_it_is_dropped(tmp_path: Path) -> None:
    # Orientation 6: the camera was turned, so the left of the sensor is the top of the picture.
    stored = store_image(tmp_path, photo_with_gps((200, 100), orientation=6))
    image = opened(tmp_path, stored.file_name).convert("RGB")
    assert (stored.width, stored.height) == image.size == (100, 200)
    top, bottom = image.getpixel((50, 20)), image.getpixel((50, 180))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, "red on top"
    assert bottom[2] > 200 and bottom[0] < 60, "blue below"


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (image_bytes("JPEG"), "image/jpeg", "jpg"),
        (png_bytes(), "image/png", "png"),
        (image_bytes("WEBP"), "image/webp", "webp"),
        (image_bytes("GIF"), "image/png", "png"),  # a still GIF is kept as a lossless PNG
        (animated_gif(), "image/gif", "gif"),
    ],
)
def test_type_is_decided_by_content(
    tmp_path: Path, data: bytes, content_type: str, extension: str
) -> None:
    stored = store_image(tmp_path, data)
    assert stored.content_type == content_type
    match = NAME.match(stored.file_name)
    assert match is not None and match.group(5) == extension
    assert match.group(1) + match.group(2) == match.group(3)[:4], "two levels from the token"
    expected_format = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}[extension]
    assert opened(tmp_path, stored.file_name).format == expected_format


def test_names_are_random_and_never_reused(tmp_path: Path) -> None:
    data = png_bytes()
    first, second = store_image(tmp_path, data), store_image(tmp_path, data)
    assert first.file_name != second.file_name
    assert first.thumbnail_name != second.thumbnail_name


def test_animated_gif_stays_animated_without_its_comment(tmp_path: Path) -> None:
    stored = store_image(tmp_path, animated_gif(frames=4))
    image = opened(tmp_path, stored.file_name)
    assert getattr(image, "n_frames", 1) == 4
    assert SECRET_COMMENT.encode() not in (tmp_path / stored.file_name).read_bytes()
    assert opened(tmp_path, stored.thumbnail_name).format in ("JPEG", "PNG")


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is plain text and not a picture",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
        image_bytes("BMP"),
        image_bytes("TIFF"),
        image_bytes("JPEG")[:300],  # cut off in the middle of the picture
        b"",
    ],
    ids=["text", "svg", "pdf", "bmp", "tiff", "truncated-jpeg", "empty"],
)
def test_anything_but_a_supported_image_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        store_image(tmp_path, data)
    assert caught.value.status == 422
    assert str(caught.value)
    assert not list(tmp_path.rglob("*.*")), "nothing is written for a refused file"


def test_too_many_pixels_are_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="6000x6000 pixels"):
        store_image(tmp_path, png_header_only(6000, 6000))
    with pytest.raises(InvalidInput):
        store_image(tmp_path, png_header_only(100_000, 100_000))


def test_too_many_bytes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileTooLarge) as caught:
        store_image(tmp_path, png_bytes() + b"\0" * MAX_UPLOAD_BYTES)
    assert caught.value.status == 413


def test_preview_and_blurhash(tmp_path: Path) -> None:
    stored = store_image(tmp_path, photo_with_gps((2000, 1000)))
    preview = opened(tmp_path, stored.thumbnail_name)
    assert max(preview.size) == THUMBNAIL_SIDE
    assert preview.size == thumbnail_size(stored.width, stored.height) == (640, 320)
    assert stored.blurhash is not None and blurhash.is_valid_blurhash(stored.blurhash)


def test_small_image_preview_is_not_enlarged(tmp_path: Path) -> None:
    stored = store_image(tmp_path, png_bytes((120, 80)))
    assert opened(tmp_path, stored.thumbnail_name).size == (120, 80)


def test_transparency_is_kept(tmp_path: Path) -> None:
    stored = store_image(tmp_path, png_bytes((50, 50), "RGBA", (0, 255, 0, 128)))
    assert opened(tmp_path, stored.file_name).mode == "RGBA"
    assert opened(tmp_path, stored.thumbnail_name).format == "PNG"


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    stored = store_image(tmp_path, image_bytes("JPEG", mode="CMYK"))
    assert opened(tmp_path, stored.file_name).mode == "RGB"


def test_huge_photo_is_scaled_down(tmp_path: Path) -> None:
    out = io.BytesIO()
    halves((5000, 4000)).save(out, "JPEG")
    stored: StoredImage = store_image(tmp_path, out.getvalue())
    assert stored.width * stored.height <= MAX_STORED_PIXELS
    assert abs(stored.width / stored.height - 1.25) < 0.01
    assert opened(tmp_path, stored.file_name).size == (stored.width, stored.height)


def test_profile_images_fit_their_bounds(tmp_path: Path) -> None:
    avatar = store_profile_image(tmp_path, photo_with_gps((1000, 800)), "avatar")
    header = store_profile_image(tmp_path, png_bytes((3000, 600)), "header")
    small = store_profile_image(tmp_path, png_bytes((100, 50)), "header")
    assert opened(tmp_path, avatar).size == (400, 320)
    assert opened(tmp_path, header).size == (1500, 300)
    assert opened(tmp_path, small).size == (100, 50), "never enlarged"
    assert NAME.match(avatar) and NAME.match(header)
    raw = (tmp_path / avatar).read_bytes()
    assert b"Exif" not in raw and CAMERA_SERIAL.encode() not in raw


def test_profile_image_refuses_what_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a supported image"):
        store_profile_image(tmp_path, b"GIF89a but then nothing", "avatar")
    with pytest.raises(InvalidInput, match="kind"):
        store_profile_image(tmp_path, png_bytes(), "banner")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.5,-0.25", (0.5, -0.25)), (" -1, 1 ", (-1.0, 1.0)), ("", None), (None, None)],
)
def test_focus_is_parsed(text: str | None, expected: tuple[float, float] | None) -> None:
    assert parse_focus(text) == expected


@pytest.mark.parametrize("text", ["1.5,0", "0", "a,b", "0,0,0", "nan,0", "inf,0"])
def test_focus_out_of_range_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_focus(text)
