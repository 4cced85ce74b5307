"""The organisation's branding: `GET`/`PUT /api/v1/organization/branding` (accent colour,
sender name, reply address), `PUT`/`DELETE /api/v1/organization/branding/logo` (multipart
`file`, PNG or JPEG), and the public `GET /logos/{name}` that serves a stored logo."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from application.branding import BrandingSettings, BrandingView
from application.logo_image import MAX_LOGO_BYTES, LogoTooLarge
from application.principal import Principal
from domain.branding import SENDER_NAME_MAX_LENGTH
from domain.errors import InvalidValue, problem
from interfaces.http import documented
from interfaces.http.consistency import Reads
from interfaces.http.multipart_upload import multipart_boundary
from interfaces.http.part_disposition import part_disposition
from interfaces.http.sync import run_sync

#: What a multipart body around a logo of the largest size may add.
LOGO_BODY_MARGIN = 64 * 1024
ACCENT_PATTERN = "^(#[0-9a-fA-F]{6})?$"
_LOGO_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg)")
_ACCENT_NAME = re.compile(r"([0-9a-f]{6})\.css")
LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg"}


class BrandingLogo(msgspec.Struct):
    url: str
    content_type: str
    width: int
    height: int
    size: int


class Branding(msgspec.Struct):
    """`accent_color` as set (null: the pages' own blue), `text_color` the colour of text on
    it; `sender_name` (null: the organisation's name) and `reply_to` (null: the staff
    member who sent) of client mails; `logo` with its public, cacheable URL."""

    accent_color: str | None
    text_color: str
    sender_name: str | None
    reply_to: str | None
    logo: BrandingLogo | None


class BrandingRequest(msgspec.Struct, forbid_unknown_fields=True):
    """All three settings; one left out or null is cleared."""

    accent_color: (
        Annotated[
            str,
            msgspec.Meta(
                extra_json_schema={
                    "extra": {"pattern": ACCENT_PATTERN},
                    "description": "#rrggbb on which white text reaches 4.5:1 (WCAG AA);"
                    " empty or null: none",
                }
            ),
        ]
        | None
    ) = None
    sender_name: Annotated[str, documented.text(SENDER_NAME_MAX_LENGTH, required=False)] | None = (
        None
    )
    reply_to: Annotated[str, documented.email()] | None = None


def branding_body(view: BrandingView, base_url: str) -> Branding:
    logo = view.logo
    return Branding(
        accent_color=view.accent_color,
        text_color=view.text_color,
        sender_name=view.sender_name,
        reply_to=view.reply_to,
        logo=BrandingLogo(
            url=f"{base_url}/logos/{logo.name}",
            content_type=logo.content_type,
            width=logo.width,
            height=logo.height,
            size=logo.size,
        )
        if logo
        else None,
    )


async def received_logo(request: Request[Any, Any, Any]) -> bytes:
    """The bytes of the multipart part `file`, refused (413, naming `file`) past 1 MiB."""
    boundary = multipart_boundary(request.headers.get("content-type"))
    too_large = LogoTooLarge(
        {
            "file": problem(
                "logo_too_large",
                f"must be at most {MAX_LOGO_BYTES} bytes (1 MiB)",
                max_size=MAX_LOGO_BYTES,
            )
        }
    )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_LOGO_BYTES + LOGO_BODY_MARGIN:
        raise too_large
    parts: dict[str, bytearray] = {}
    state: dict[str, Any] = {"headers": {}, "name": b"", "value": b"", "current": None}

    def header_field(data: bytes, start: int, end: int) -> None:
        state["name"] += data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def header_end() -> None:
        state["headers"][state["name"].decode("latin-1").strip().lower()] = state["value"]
        state["name"], state["value"] = b"", b""

    def headers_finished() -> None:
        disposition = part_disposition(state["headers"].get("content-disposition", b""))
        state["current"] = parts.setdefault(disposition.name, bytearray())
        state["headers"] = {}

    def part_data(data: bytes, start: int, end: int) -> None:
        current = state["current"]
        current += data[start:end]
        if len(current) > MAX_LOGO_BYTES:
            raise too_large

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": header_field,
            "on_header_value": header_value,
            "on_header_end": header_end,
            "on_headers_finished": headers_finished,
            "on_part_data": part_data,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_LOGO_BYTES + LOGO_BODY_MARGIN:
                raise too_large
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as error:
        raise InvalidValue.single("body", f"is not valid multipart/form-data ({error})") from None
    unknown = sorted(set(parts) - {"file"})
    if unknown:
        raise InvalidValue.single(unknown[0], "is not a field of this form (only 'file')")
    if "file" not in parts:
        raise InvalidValue.single("file", problem("choose_file", "is required: a PNG or JPEG"))
    return bytes(parts["file"])


class BrandingController(Controller):
    path = "/api/v1/organization/branding"
    tags = ["organisation"]

    @get("/", sync_to_thread=True)
    def get_branding(
        self,
        branding: NamedDependency[BrandingSettings],
        principal: NamedDependency[Principal],
        base_url: NamedDependency[str],
    ) -> Branding:
        """Logo, accent colour, sender name and reply address clients see (every role)."""
        return branding_body(branding.get(principal), base_url)

    @put("/", sync_to_thread=True)
    def change_branding(
        self,
        branding: NamedDependency[BrandingSettings],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        base_url: NamedDependency[str],
        data: JSONBody[BrandingRequest],
    ) -> Response[Branding]:
        """Set the accent colour (refused below 4.5:1 against white text, naming the ratio),
        the sender name and the reply address of client mails (owner or admin)."""
        changed = branding.change(principal, data.accent_color, data.sender_name, data.reply_to)
        return reads.recorded(changed, branding_body(changed.branding, base_url))

    @put("/logo", request_max_body_size=None)
    async def upload_logo(
        self,
        request: Request[Any, Any, Any],
        branding: NamedDependency[BrandingSettings],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        base_url: NamedDependency[str],
    ) -> Response[Branding]:
        """A new logo (multipart `file`): PNG or JPEG by its bytes, at most 1 MiB and 4000
        pixels a side; stored re-encoded without metadata, at most 192 pixels high."""
        data = await received_logo(request)
        changed = await run_sync(branding.upload_logo, principal, data)
        return reads.recorded(changed, branding_body(changed.branding, base_url))

    @delete("/logo", status_code=204, sync_to_thread=True)
    def remove_logo(
        self,
        branding: NamedDependency[BrandingSettings],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> Response[None]:
        """Remove the logo: pages and mails show the organisation's name instead."""
        return reads.recorded(branding.remove_logo(principal), None, status_code=204)


@get("/logos/{name:str}", sync_to_thread=True, include_in_schema=False)
def logo_file(branding: NamedDependency[BrandingSettings], name: FromPath[str]) -> Response[bytes]:
    """A stored logo: public (it is shown to clients), cached for good (a new logo has a new
    name), never sniffed as anything but the image type its name says."""
    found = _LOGO_NAME.fullmatch(name)
    data = branding.logo_bytes(name) if found else None
    if found is None or data is None:
        raise NotFoundException("No such logo.")
    return Response(
        data,
        media_type=LOGO_TYPES[found.group(1)],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@get("/accent/{name:str}", include_in_schema=False)
async def accent_stylesheet(name: FromPath[str]) -> Response[str]:
    """The client pages' accent colour as a stylesheet (`/accent/1f4e79.css`): a rule of
    its own file, so the pages' policy keeps allowing our own styles only."""
    found = _ACCENT_NAME.fullmatch(name)
    if found is None:
        raise NotFoundException("No such colour.")
    return Response(
        f":root {{ --accent: #{found.group(1)}; }}\n",
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
