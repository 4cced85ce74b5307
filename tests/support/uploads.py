"""Helpers for tests of upload links and files: bytes of known types, upload calls."""

from __future__ import annotations

import os
from typing import Any

import httpx

from tests.support.api import Account

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def pdf_bytes(size: int = 20_000) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    return head + os.urandom(max(0, size - len(head)))


def png_bytes(size: int = 5_000) -> bytes:
    return PNG_HEADER + os.urandom(max(0, size - len(PNG_HEADER)))


def create_link(account: Account, customer_id: str, **fields: Any) -> dict[str, Any]:
    response = account.post(f"/api/v1/customers/{customer_id}/links", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def token_of(link: dict[str, Any]) -> str:
    return str(link["url"]).rsplit("/", 1)[1]


def upload(
    client: httpx.Client,
    link: dict[str, Any],
    *files: tuple[str, bytes],
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    parts = [("file", (name, content, "application/octet-stream")) for name, content in files]
    return client.post(f"/u/{token_of(link)}/files", files=parts, data=data or {}, headers=headers)


def raw_upload(
    client: httpx.Client, link: dict[str, Any], filename: bytes, content: bytes
) -> httpx.Response:
    """A hand-built multipart body, for file names a client library would escape."""
    body = (
        b'--boundary\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
        + content
        + b"\r\n--boundary--\r\n"
    )
    return client.post(
        f"/u/{token_of(link)}/files",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=boundary"},
    )


def path_of(url: str) -> str:
    """`http://host:port/d/x` -> `/d/x`."""
    return "/" + url.split("/", 3)[3]
