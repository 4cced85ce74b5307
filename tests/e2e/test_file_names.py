"""File names arrive exactly as the client's file was called, whatever the script.

Browsers put the UTF-8 name raw into the part's `Content-Disposition`; other clients
send RFC 5987 `filename*=UTF-8''...`. Both must come out as the same NFC name.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, raw_upload, token_of

NAMES = [
    "Müller.pdf",
    "naïve café.pdf",
    "Kündigung – 2024.pdf",
    "Rechnung 100 €.pdf",
    "Договор.pdf",
    "契約書.pdf",
    "Steuer 🧾.pdf",
    "ملف\u200f.pdf",
]


def _sent_file_upload(account: Account, customer_id: str, disposition: bytes) -> httpx.Response:
    body = (
        b'--boundary\r\nContent-Disposition: form-data; name="file"; '
        + disposition
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + pdf_bytes(2_000)
        + b"\r\n--boundary--\r\n"
    )
    return account.post(
        f"/api/v1/customers/{customer_id}/sent-files",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=boundary"},
    )


def _expected(name: str) -> str:
    # Made safe as every name is: format characters such as the RTL mark are dropped.
    return "".join(c for c in name if unicodedata.category(c) != "Cf")


def _listed_names(account: Account, customer_id: str) -> list[str]:
    files = account.get(f"/api/v1/customers/{customer_id}/files").json()["items"]
    return [f["filename"] for f in files]


@pytest.mark.parametrize("name", NAMES)
def test_raw_utf8_names_arrive_exactly(account: Account, http: httpx.Client, name: str) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    response = raw_upload(http, link, name.encode(), pdf_bytes(2_000))
    assert response.status_code == 201, response.text
    assert response.json()["files"][0]["filename"] == _expected(name)
    assert _listed_names(account, customer["id"]) == [_expected(name)]


def test_decomposed_names_are_stored_composed(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    decomposed = unicodedata.normalize("NFD", "Müller Straße.pdf")
    response = raw_upload(http, link, decomposed.encode(), pdf_bytes(2_000))
    assert response.status_code == 201, response.text
    assert response.json()["files"][0]["filename"] == "Müller Straße.pdf"


@pytest.mark.parametrize("name", ["Kündigung – 2024.pdf", "Müller.pdf", "契約書 🧾.pdf"])
def test_rfc5987_names_arrive_exactly(account: Account, http: httpx.Client, name: str) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    body = (
        b'--boundary\r\nContent-Disposition: form-data; name="file"; filename="fallback.pdf"; '
        + f"filename*=UTF-8''{quote(name)}".encode()
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + pdf_bytes(2_000)
        + b"\r\n--boundary--\r\n"
    )
    response = http.post(
        f"/u/{token_of(link)}/files",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=boundary"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["files"][0]["filename"] == name


def test_quoted_names_keep_semicolons_and_escaped_quotes(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    response = raw_upload(http, link, b'Akte; Teil \\"2\\".pdf', pdf_bytes(2_000))
    assert response.status_code == 201, response.text
    assert response.json()["files"][0]["filename"] == "Akte; Teil _2_.pdf"


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ('filename="Kündigung – 2024.pdf"'.encode(), "Kündigung – 2024.pdf"),
        (b"filename*=UTF-8''M%C3%BCller%20%E2%80%93%20Brief.pdf", "Müller – Brief.pdf"),
    ],
)
def test_sent_files_keep_their_names(account: Account, disposition: bytes, expected: str) -> None:
    customer = account.create_customer()
    response = _sent_file_upload(account, customer["id"], disposition)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == expected
    listed: list[dict[str, Any]] = account.get(
        f"/api/v1/customers/{customer['id']}/sent-files"
    ).json()["items"]
    assert [f["filename"] for f in listed] == [expected]
