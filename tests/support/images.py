"""Small images made at test time: photos with GPS EXIF, transparent PNGs, GIFs, fake bombs."""

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageCms, PngImagePlugin

# Somewhere a person must not be found: 52°22'1.5"N 4°53'2"E.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (52.0, 22.0, 1.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 53.0, 2.0),
}
CAMERA_SERIAL = "SN-4815162342"
SECRET_COMMENT = "meeting at the safe house"


def halves(size: tuple[int, int], left: str = "red", right: str = "blue") -> Image.Image:
    """An image whose left half is one colour and right half another, to see rotations."""
    image = Image.new("RGB", size, right)
    image.paste(Image.new("RGB", (size[0] // 2, size[1]), left), (0, 0))
    return image


def photo_with_gps(size: tuple[int, int] = (200, 100), orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: GPS position, camera serial, orientation, ICC, comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = CAMERA_SERIAL
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    halves(size).save(
        out, "JPEG", exif=exif, icc_profile=icc, comment=SECRET_COMMENT.encode(), quality=90
    )
    return out.getvalue()


def png_bytes(
    size: tuple[int, int] = (120, 80), mode: str = "RGB", color: object = "green"
) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET_COMMENT)
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG", pnginfo=info)  # type: ignore[arg-type]
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "orange").save(out, fmt)
    return out.getvalue()


def animated_gif(frames: int = 3, size: tuple[int, int] = (40, 30)) -> bytes:
    colours = ["red", "green", "blue", "yellow", "white"]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=80,
        loop=0,
        comment=SECRET_COMMENT.encode(),
    )
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: decoding it would need gigabytes, reading it needs none."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )
