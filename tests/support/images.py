"""Images for the logo tests, made here: honest ones, one with metadata to strip, and the
hostile kinds (a decompression bomb, a GIF named .png, an SVG)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

#: Words hidden in an image's metadata, which no stored logo may carry.
SECRET = "Geheim Müllerstraße 5"


def png_logo(width: int = 600, height: int = 300, color: str = "#1f4e79") -> bytes:
    image = Image.new("RGBA", (width, height), color)
    for x in range(0, width, 7):
        image.putpixel((x, height // 2), (255, 255, 255, 128))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif(width: int = 1600, height: int = 800) -> bytes:
    """A JPEG whose EXIF holds a description, the camera's maker and a GPS position."""
    image = Image.new("RGB", (width, height), "#2b5d34")
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    exif[0x010F] = "Kamera Müller GmbH"  # Make
    exif[0x0112] = 6  # Orientation: rotated; the stored logo is turned upright
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=SECRET.encode())
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(side: int = 50_000) -> bytes:
    """A PNG that says it is `side` x `side` pixels (2.5 GB decoded at 50,000) in a few
    kilobytes: its first rows of zeros are there, a decoder that trusts the header would
    allocate the rest before it found out."""
    rows = (b"\x00" + b"\x00" * side) * 64
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def gif_image() -> bytes:
    out = io.BytesIO()
    Image.new("P", (40, 20)).save(out, format="GIF")
    return out.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
