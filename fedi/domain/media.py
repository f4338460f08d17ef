"""Images people upload: recognised by content, stripped of metadata, re-encoded and stored.

Nothing of the uploaded file survives but its pixels. EXIF, GPS positions, XMP, comments and
colour profiles are dropped, because a photo's location or camera serial number can identify
and endanger the person who took it. Files are stored under names this server draws at random.
"""

import asyncio
import io
import math
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import blurhash
from PIL import Image, ImageCms, ImageOps, ImageSequence

from activitypub.vocab import RemoteAttachment
from fedi.db import media as media_db
from fedi.db.actors import Actor
from fedi.db.status_views import MediaRow
from fedi.errors import InvalidInput, NotFound
from fedi.federation.notes import attachment_to_media

MAX_UPLOAD_BYTES = 16 * 1024 * 1024
# Refused before any pixel is decoded: 7680x4320, already ~130 MB of RGBA in memory.
MAX_PIXELS = 33_177_600
# Larger originals are scaled down to this area (3840x2160), as Mastodon does.
MAX_STORED_PIXELS = 8_294_400
# Every frame of an animation is decoded and kept until it is written again.
MAX_ANIMATION_PIXELS = MAX_PIXELS
THUMBNAIL_SIDE = 640
BLURHASH_SIDE = 64
MAX_DESCRIPTION = 1500
PROFILE_BOUNDS = {"avatar": (400, 400), "header": (1500, 500)}
SUPPORTED = "JPEG, PNG, WebP or GIF"
# Decoding holds whole images in memory: a few at a time per process keep its size bounded.
_DECODING = threading.BoundedSemaphore(2)


class FileTooLarge(InvalidInput):
    status = 413


@dataclass(frozen=True)
class Encoding:
    format: str
    extension: str
    content_type: str


JPEG = Encoding("JPEG", ".jpg", "image/jpeg")
PNG = Encoding("PNG", ".png", "image/png")
WEBP = Encoding("WEBP", ".webp", "image/webp")
GIF = Encoding("GIF", ".gif", "image/gif")
ENCODINGS = {e.format: e for e in (JPEG, PNG, WEBP, GIF)}
CONTENT_TYPES = {e.extension: e.content_type for e in ENCODINGS.values()}


@dataclass(frozen=True)
class StoredImage:
    file_name: str
    thumbnail_name: str | None
    content_type: str
    width: int
    height: int
    blurhash: str | None


@dataclass(frozen=True)
class _Encoded:
    data: bytes
    encoding: Encoding
    width: int
    height: int


def thumbnail_size(width: int, height: int, side: int = THUMBNAIL_SIDE) -> tuple[int, int]:
    """The size of the preview of a `width` x `height` image (never larger than the image)."""
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _open(data: bytes) -> Image.Image:
    """The image the bytes hold, by their content alone, refused past the size limits."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    if not data:
        raise InvalidInput("the file is empty")
    try:
        # Only these decoders are tried, so an SVG, PDF or PSD is never parsed at all.
        image = Image.open(io.BytesIO(data), formats=list(ENCODINGS))
    except Image.DecompressionBombError as exc:
        raise InvalidInput(f"the image has too many pixels: {exc}") from exc
    except Exception as exc:  # Pillow raises many kinds on malformed input; all mean the same
        raise InvalidInput(f"the file is not a supported image ({SUPPORTED})") from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise InvalidInput(
            f"the image is {width}x{height} pixels; at most {MAX_PIXELS} pixels are accepted"
        )
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _clean(image: Image.Image) -> Image.Image:
    """The pixels alone, upright, in sRGB RGB or RGBA, with no metadata left to be written."""
    image = ImageOps.exif_transpose(image)  # always a new image, so `info` is ours to clear
    target = "RGBA" if _has_alpha(image) else "RGB"
    icc = image.info.get("icc_profile")
    if icc:
        # Converting to sRGB keeps colours right once the profile itself is dropped.
        try:
            if image.mode not in ("RGB", "RGBA", "CMYK", "L"):
                image = image.convert(target)
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=target)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile is dropped and the pixels taken as sRGB
    if image.mode != target:
        image = image.convert(target)
    if target == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")  # an alpha channel with nothing transparent in it
    image.info = {}
    return image


def _shrink(image: Image.Image, max_pixels: int) -> Image.Image:
    width, height = image.size
    if width * height <= max_pixels:
        return image
    scale = math.sqrt(max_pixels / (width * height))
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _fit(image: Image.Image, bounds: tuple[int, int]) -> Image.Image:
    copy = image.copy()
    copy.thumbnail(bounds, Image.Resampling.LANCZOS)
    return copy


def _encode(image: Image.Image, encoding: Encoding) -> _Encoded:
    out = io.BytesIO()
    if encoding is JPEG:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif encoding is WEBP:
        image.save(out, "WEBP", quality=85, method=4)
    else:
        image.save(out, "PNG")
    return _Encoded(out.getvalue(), encoding, image.width, image.height)


def _still_encoding(source_format: str | None) -> Encoding:
    """JPEG and WebP stay what they were; PNG and a still GIF become PNG (lossless)."""
    if source_format == "JPEG":
        return JPEG
    if source_format == "WEBP":
        return WEBP
    return PNG


def _animation(image: Image.Image) -> _Encoded | None:
    """An animated GIF re-encoded frame by frame, or None when it is a still image.

    Animated GIFs stay animated GIFs (Mastodon turns them into video, which this node does not
    make); only the frames and their timing are carried over. Animated PNG and WebP keep their
    first frame only.
    """
    if image.format != "GIF" or getattr(image, "n_frames", 1) < 2:
        return None
    frames_count = int(getattr(image, "n_frames", 1))
    if frames_count * image.width * image.height > MAX_ANIMATION_PIXELS:
        raise InvalidInput(
            f"the animation has {frames_count} frames of {image.width}x{image.height} pixels;"
            f" at most {MAX_ANIMATION_PIXELS} pixels in all are accepted"
        )
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration", 100)))
        frames.append(_clean(frame.convert("RGBA")))
    out = io.BytesIO()
    options: dict[str, Any] = {"duration": durations, "disposal": 2}
    if isinstance(image.info.get("loop"), int):
        options["loop"] = image.info["loop"]
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], **options)
    return _Encoded(out.getvalue(), GIF, image.width, image.height)


def _blurhash(preview: Image.Image) -> str:
    small = _fit(preview, (BLURHASH_SIDE, BLURHASH_SIDE))
    if small.mode == "RGBA":
        # Transparent areas as a viewer would see them on a light background, not as black.
        backdrop = Image.new("RGB", small.size, (255, 255, 255))
        backdrop.paste(small, mask=small.getchannel("A"))
        small = backdrop
    return str(blurhash.encode(small.convert("RGB"), 4, 4))


@dataclass(frozen=True)
class _Processed:
    original: _Encoded
    thumbnail: _Encoded
    blurhash: str


def _process(data: bytes) -> _Processed:
    """Decode, check, clean and re-encode an upload, with its preview and blurhash."""
    with _DECODING:
        source = _open(data)
        try:
            animated = _animation(source)
            source.seek(0)  # the still and the preview come from the first frame
            if source.format == "JPEG":
                # Decoding a large JPEG at a reduced scale is far cheaper than resizing later.
                scale = math.sqrt(MAX_STORED_PIXELS / (source.width * source.height))
                if scale < 1:
                    source.draft(None, (int(source.width * scale), int(source.height * scale)))
            still = _shrink(_clean(source), MAX_STORED_PIXELS)
        except InvalidInput:
            raise
        except Exception as exc:  # a truncated or corrupt file fails only when decoded
            raise InvalidInput(f"the image could not be decoded: {exc}") from exc
        original = animated or _encode(still, _still_encoding(source.format))
        # Sized by `thumbnail_size` of the stored size, as the API reports it without reading it.
        size = thumbnail_size(original.width, original.height)
        preview = still.resize(size, Image.Resampling.LANCZOS)
        thumbnail = _encode(preview, PNG if preview.mode == "RGBA" else JPEG)
        return _Processed(original, thumbnail, _blurhash(preview))


def _write(media_dir: Path, token: str, suffix: str, data: bytes) -> str:
    """Store `data` under a name made from the server's random token; return its relative name."""
    relative = f"{token[:2]}/{token[2:4]}/{token}{suffix}"
    path = media_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:  # never overwrite: a clash of 128-bit tokens is a bug
        file.write(data)
    return relative


def remove_files(media_dir: Path, *names: str | None) -> None:
    for name in names:
        if name:
            (media_dir / name).unlink(missing_ok=True)


def store_image(media_dir: Path, data: bytes) -> StoredImage:
    """Process an upload and write it and its preview (CPU-heavy: call it in a thread)."""
    processed = _process(data)
    token = secrets.token_hex(16)
    original = processed.original
    file_name = _write(media_dir, token, original.encoding.extension, original.data)
    try:
        thumbnail_name = _write(
            media_dir,
            token,
            "-small" + processed.thumbnail.encoding.extension,
            processed.thumbnail.data,
        )
    except OSError:
        remove_files(media_dir, file_name)
        raise
    return StoredImage(
        file_name=file_name,
        thumbnail_name=thumbnail_name,
        content_type=original.encoding.content_type,
        width=original.width,
        height=original.height,
        blurhash=processed.blurhash,
    )


async def store_upload(media_dir: Path, data: bytes) -> StoredImage:
    """`store_image` off the event loop."""
    return await asyncio.to_thread(store_image, media_dir, data)


def store_profile_image(media_dir: Path, data: bytes, kind: str) -> str:
    """Store an avatar or header scaled to fit its bounds; return its name under `media_dir`.

    Animated GIFs keep their first frame only. CPU-heavy: call it in a thread.
    """
    bounds = PROFILE_BOUNDS.get(kind)
    if bounds is None:
        raise InvalidInput(f"unknown kind of profile image {kind!r}")
    with _DECODING:
        source = _open(data)
        try:
            image = _fit(_clean(source), bounds)
        except Exception as exc:
            raise InvalidInput(f"the image could not be decoded: {exc}") from exc
        encoded = _encode(image, _still_encoding(source.format))
    return _write(media_dir, secrets.token_hex(16), encoded.encoding.extension, encoded.data)


def check_description(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"description is longer than {MAX_DESCRIPTION} characters")
    return text


def parse_focus(text: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point "x,y", each from -1.0 to 1.0; None when not given."""
    if text is None or not text.strip():
        return None
    parts = text.split(",")
    try:
        x, y = (float(part) for part in parts)
    except ValueError:
        raise InvalidInput('focus must be two numbers "x,y"') from None
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise InvalidInput("focus values must be between -1.0 and 1.0")
    return x, y


async def upload(
    pool: Any,
    media_dir: Path,
    owner: Actor,
    data: bytes,
    *,
    description: str | None = None,
    focus: tuple[float, float] | None = None,
) -> MediaRow:
    """Store an upload for `owner`, waiting to be attached to a post."""
    check_description(description)
    stored = await store_upload(media_dir, data)
    try:
        async with pool.acquire() as conn:
            return await media_db.insert(
                conn,
                owner.id,
                media_type="image",
                file_name=stored.file_name,
                thumbnail_name=stored.thumbnail_name,
                content_type=stored.content_type,
                width=stored.width,
                height=stored.height,
                blurhash=stored.blurhash,
                description=description or "",
                focus_x=focus[0] if focus else 0.0,
                focus_y=focus[1] if focus else 0.0,
            )
    except BaseException:
        remove_files(media_dir, stored.file_name, stored.thumbnail_name)
        raise


async def own_unattached(conn: Any, owner: Actor, media_id: int) -> MediaRow:
    """The owner's media not yet in a post; anything else is not found, as Mastodon answers."""
    row = await media_db.by_id(conn, media_id)
    if row is None or row.actor_id != owner.id or row.post_id is not None:
        raise NotFound("Record not found")
    return row


async def describe(
    pool: Any,
    owner: Actor,
    media_id: int,
    description: str | None,
    focus: tuple[float, float] | None,
) -> MediaRow:
    check_description(description)
    async with pool.acquire() as conn, conn.transaction():
        await own_unattached(conn, owner, media_id)
        row = await media_db.describe(conn, media_id, description, focus)
    assert row is not None
    return row


async def keep_remote_media(
    conn: Any, actor_id: int, post_id: int, attachments: Sequence[RemoteAttachment]
) -> None:
    """Record a remote post's attachments by URL (not downloaded), replacing earlier ones."""
    await media_db.remove_of_post(conn, post_id)
    for position, attachment in enumerate(attachments):
        await media_db.insert(
            conn, actor_id, post_id=post_id, position=position, **attachment_to_media(attachment)
        )


async def delete(pool: Any, media_dir: Path, owner: Actor, media_id: int) -> None:
    """Delete the owner's upload and its files, unless a post already shows it."""
    async with pool.acquire() as conn, conn.transaction():
        row = await media_db.by_id(conn, media_id)
        if row is None or row.actor_id != owner.id:
            raise NotFound("Record not found")
        if await media_db.delete_unattached(conn, owner.id, media_id) is None:
            raise InvalidInput("the media attachment is used by a status")
    remove_files(media_dir, row.file_name, row.thumbnail_name)
