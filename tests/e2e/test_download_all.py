"""Download all: a customer's received files as one streamed ZIP (API and staff page)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import httpx

from tests.support.api import PASSWORD, Account
from tests.support.uploads import create_link, pdf_bytes, png_bytes, upload


def zip_of(response: httpx.Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    # Streamed: the length is not known up front.
    assert "content-length" not in response.headers
    return zipfile.ZipFile(io.BytesIO(response.content))


def uploaded(
    http: httpx.Client, link: dict[str, Any], *files: tuple[str, bytes], **data: str
) -> None:
    response = upload(http, link, *files, data=data)
    assert response.status_code == 201, response.text


def test_all_files_in_a_folder_per_document_with_an_index(
    http: httpx.Client, account: Account
) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(
        account,
        customer["id"],
        title="Steuer 2024",
        requested_items=["Lohnsteuerbescheinigung", "Kontoauszüge: Januar/Februar"],
    )
    items = {item["label"]: item["id"] for item in link["requested_items"]}
    contract, statement, photo = pdf_bytes(30_000), pdf_bytes(12_000), png_bytes(4_000)
    uploaded(
        http, link, ("Kündigung – 2024.pdf", contract), item_id=items["Lohnsteuerbescheinigung"]
    )
    uploaded(
        http, link, ("Auszug 😀.pdf", statement), item_id=items["Kontoauszüge: Januar/Februar"]
    )
    uploaded(http, link, ("Straße.png", photo))
    uploaded(http, link, ("Straße.png", photo))
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    first = next(f for f in files if f["filename"] == "Kündigung – 2024.pdf")
    assert (
        account.put(
            f"/api/v1/files/{first['id']}/review",
            json={"state": "query", "comment": "Seite 2 fehlt"},
        ).status_code
        == 200
    )

    archive = zip_of(account.get(f"/api/v1/customers/{customer['id']}/files.zip"))
    names = archive.namelist()
    assert "Lohnsteuerbescheinigung/Kündigung – 2024.pdf" in names
    statement_path = next(n for n in names if n.endswith("/Auszug 😀.pdf"))
    assert "Kontoauszüge" in statement_path and statement_path.count("/") == 1
    assert "Weitere Dateien/Straße.png" in names
    assert "Weitere Dateien/Straße (2).png" in names
    for info in archive.infolist():
        if not info.filename.isascii():
            assert info.flag_bits & 0x800, info.filename  # UTF-8 names, flagged as such
    assert hashlib.sha256(
        archive.read("Lohnsteuerbescheinigung/Kündigung – 2024.pdf")
    ).digest() == (hashlib.sha256(contract).digest())
    assert archive.read(statement_path) == statement
    index = archive.read("Inhalt.txt").decode()
    assert "Dateien von Jürgen Müller" in index
    assert "Lohnsteuerbescheinigung/Kündigung – 2024.pdf – 29,3 KB" in index
    assert "Rückfrage: Seite 2 fehlt" in index
    assert "noch nicht geprüft" in index

    # One link's files, and a selection.
    one_link = zip_of(
        account.get(f"/api/v1/customers/{customer['id']}/files.zip", params={"link_id": link["id"]})
    )
    assert len(one_link.namelist()) == 5
    selection = zip_of(
        account.get(
            f"/api/v1/customers/{customer['id']}/files.zip", params={"file_id": first["id"]}
        )
    )
    assert sorted(selection.namelist()) == [
        "Inhalt.txt",
        "Lohnsteuerbescheinigung/Kündigung – 2024.pdf",
    ]


def test_bad_parameters_are_named(http: httpx.Client, account: Account) -> None:
    customer = account.create_customer("Anna Schmidt")
    other = account.create_customer("Berta Schmidt")
    other_link = create_link(account, other["id"])
    path = f"/api/v1/customers/{customer['id']}/files.zip"
    answer = account.get(path, params={"link_id": other_link["id"]})
    assert answer.status_code == 422
    assert "link_id" in answer.json()["error"]["fields"]
    answer = account.get(path, params={"file_id": "00000000-0000-0000-0000-000000000001"})
    assert answer.status_code == 422
    assert "file_id" in answer.json()["error"]["fields"]
    empty = zip_of(account.get(path))
    assert empty.namelist() == ["Inhalt.txt"]
    assert "Keine Dateien." in empty.read("Inhalt.txt").decode()


def test_another_organisation_gets_nothing(
    http: httpx.Client, account: Account, other_account: Account
) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    uploaded(http, link, ("Müller.pdf", pdf_bytes()))
    assert other_account.get(f"/api/v1/customers/{customer['id']}/files.zip").status_code == 404
    with httpx.Client(base_url=str(http.base_url), timeout=30) as browser:
        signed = browser.post(
            "/login",
            data={"email": other_account.email, "password": PASSWORD, "next": "/customers"},
        )
        assert signed.status_code == 303
        assert browser.get(f"/customers/{customer['id']}/files.zip").status_code == 404


def test_staff_page_offers_and_serves_the_zip(http: httpx.Client, account: Account) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    uploaded(http, link, ("Müller.pdf", pdf_bytes()))
    with httpx.Client(
        base_url=str(http.base_url), headers={"Accept-Language": "de-DE"}, timeout=30
    ) as browser:
        signed = browser.post(
            "/login", data={"email": account.email, "password": PASSWORD, "next": "/customers"}
        )
        assert signed.status_code == 303
        page = browser.get(f"/customers/{customer['id']}").text
        assert "Alle Dateien als ZIP herunterladen" in page
        archive = zip_of(browser.get(f"/customers/{customer['id']}/files.zip"))
        assert "Weitere Dateien/Müller.pdf" in archive.namelist()
