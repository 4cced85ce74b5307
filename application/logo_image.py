"""An organisation's logo as it is served: checked, decoded and encoded anew.

What arrives is a stranger's file. Its type is read from its first bytes (the name and
the declared type are ignored), its size and its pixel dimensions are checked before a
pixel is decoded (a small PNG can claim a billion pixels), and only Pillow's PNG or JPEG
decoder is allowed to read it. What is stored and served is a new image drawn from the
decoded pixels: no metadata (EXIF with GPS, comments, colour profiles, text chunks) and
nothing a crafted file hid after its image data survives, and it is scaled down to the
height the pages and mails show.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from uuid import UUID

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.errors import InvalidValue, problem

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_SIDE = 4000
#: What is kept: high enough for a sharp logo at 64 CSS pixels on a 3x screen.
STORED_MAX_HEIGHT = 192
STORED_MAX_WIDTH = 768
JPEG_QUALITY = 90

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class LogoTooLarge(InvalidValue):
    """More bytes than a logo may have (413, naming the field)."""

    code = "file_too_large"


class LogoTypeNotAllowed(InvalidValue):
    """Not a PNG or JPEG by its bytes (415, naming the field)."""

    code = "file_type_not_allowed"


@dataclass(frozen=True)
class Logo:
    """A logo as stored: its bytes, kind and size in pixels."""

    data: bytes
    extension: str
    content_type: str
    width: int
    height: int

    def name(self, organization_id: UUID) -> str:
        """Its name in storage and in its URL: new bytes (or another organisation) give a new
        name, so a URL once served never changes its answer."""
        digest = hashlib.sha256(organization_id.bytes + self.data).hexdigest()[:32]
        return f"{digest}.{self.extension}"

    def facts(self, organization_id: UUID) -> dict[str, object]:
        return {
            "name": self.name(organization_id),
            "content_type": self.content_type,
            "width": self.width,
            "height": self.height,
            "size": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


def _refused(code: str, english: str, **params: object) -> InvalidValue:
    return InvalidValue.single("file", problem(code, english, **params))


def sniffed_format(data: bytes, field: str = "file") -> str:
    """`PNG` or `JPEG` by the file's first bytes; anything else is refused."""
    if data.startswith(_PNG):
        return "PNG"
    if data.startswith(_JPEG):
        return "JPEG"
    raise LogoTypeNotAllowed(
        {field: problem("logo_type", "must be a PNG or JPEG image (read from its bytes)")}
    )


def reencoded_logo(data: bytes) -> Logo:
    """The logo to store, or `InvalidValue` naming `file`: empty, over 1 MiB (413), not a
    PNG or JPEG (415), over 4000 pixels on a side, or not decodable (422)."""
    if not data:
        raise _refused("choose_file", "is empty: choose a PNG or JPEG image")
    if len(data) > MAX_LOGO_BYTES:
        raise LogoTooLarge(
            {
                "file": problem(
                    "logo_too_large",
                    f"must be at most {MAX_LOGO_BYTES} bytes (1 MiB)",
                    max_size=MAX_LOGO_BYTES,
                )
            }
        )
    kind = sniffed_format(data)
    too_large = _refused(
        "logo_too_many_pixels",
        f"must be at most {MAX_LOGO_SIDE} x {MAX_LOGO_SIDE} pixels",
        limit=MAX_LOGO_SIDE,
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns (and above twice its limit raises) for huge images; our own
            # limit is far lower and is checked below, before any pixel is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[kind])
            width, height = opened.size
            if not (0 < width <= MAX_LOGO_SIDE and 0 < height <= MAX_LOGO_SIDE):
                raise too_large
            if kind == "JPEG":
                # Decode at a reduced scale where the JPEG allows it: fewer pixels in memory.
                opened.draft("RGB", (STORED_MAX_WIDTH * 2, STORED_MAX_HEIGHT * 2))
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except InvalidValue:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _refused("logo_unreadable", "is not a readable PNG or JPEG image") from None
    return _drawn_anew(image, kind)


def _drawn_anew(image: Image.Image, kind: str) -> Logo:
    if kind == "PNG":
        mode = "RGBA" if image.mode in {"RGBA", "LA", "PA", "P"} else "RGB"
    else:
        mode = "RGB"
    converted = image.convert(mode)
    converted.thumbnail((STORED_MAX_WIDTH, STORED_MAX_HEIGHT), Image.Resampling.LANCZOS)
    # A fresh image: it carries none of the original's info (EXIF, ICC, text chunks).
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    out = io.BytesIO()
    if kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        extension, content_type = "jpg", "image/jpeg"
    return Logo(out.getvalue(), extension, content_type, clean.width, clean.height)
