"""Streaming stored bytes out, with a safe `Content-Disposition`."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from litestar.response import Stream

from application.customer_export import CustomerExport
from application.files_archive import FilesArchive
from infrastructure.bootstrap import Services


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """ASCII fallback plus the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_stream(
    content: Iterator[bytes],
    filename: str,
    size: int,
    content_type: str,
    disposition: str = "attachment",
) -> Stream:
    """The bytes as an attachment, or `inline` for a preview: either way in a sandbox
    (no script, no plugins, no same-origin access), never sniffed."""
    return Stream(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(filename, disposition),
            "Content-Length": str(size),
            # Never let a browser run an uploaded file as a page of ours.
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


def zip_stream(filename: str, content: Iterator[bytes]) -> Stream:
    """A ZIP produced while it is sent (no length known up front)."""
    return Stream(
        content,
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def files_archive(services: Services) -> FilesArchive:
    return FilesArchive(services.app, services.customer_detail)


def customer_export(services: Services) -> CustomerExport:
    return CustomerExport(services.app, services.customer_detail, services.activity)
