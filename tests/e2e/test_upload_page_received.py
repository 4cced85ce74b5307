"""The upload page lists what arrived through its link: names, sizes in German, times in the
organisation's zone; never the uploader's name, nor files of another link; nothing before
the link's password."""

from __future__ import annotations

import re

import httpx

from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, token_of, upload


def received_section(html: str) -> str:
    found = re.search(r'<section id="received-files".*?</section>', html, re.S)
    assert found, html[:2000]
    return found.group(0)


def test_the_page_lists_the_files_of_its_own_link(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"], requested_items=["Lohnsteuerbescheinigung"])
    other = create_link(account, customer["id"])
    item_id = link["requested_items"][0]["id"]
    sent = upload(
        http,
        link,
        ("Kündigung – 2024.pdf", pdf_bytes(50_000)),
        data={"item_id": item_id, "uploader_name": "Erika Geheim"},
    )
    assert sent.status_code == 201, sent.text
    assert upload(http, other, ("Fremd 🙂.pdf", pdf_bytes())).status_code == 201

    section = received_section(http.get(f"/u/{token_of(link)}").text)
    assert "Kündigung – 2024.pdf" in section
    assert re.search(r"48,\d KB · \d\d\.\d\d\.\d{4}, \d\d:\d\d", section), section
    assert "für „Lohnsteuerbescheinigung“" in section
    page = http.get(f"/u/{token_of(link)}").text
    assert "Erika Geheim" not in page
    assert "Fremd" not in page
    english = received_section(http.get(f"/u/{token_of(link)}?lang=en").text)
    assert re.search(r"48\.\d KB · \d+ \w+ \d{4}, \d\d:\d\d", english), english

    # A fresh link lists nothing (the section is there, hidden, for the page's script).
    fresh = create_link(account, customer["id"])
    assert "<li>" not in received_section(http.get(f"/u/{token_of(fresh)}").text)


def test_a_password_link_lists_its_files_only_after_the_password(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer("Anna Straße")
    link = create_link(account, customer["id"], password="geheim123")
    sent = upload(http, link, ("Müller.pdf", pdf_bytes()), data={"password": "geheim123"})
    assert sent.status_code == 201, sent.text
    page = http.get(f"/u/{token_of(link)}").text
    assert "Müller.pdf" not in page
    refused = http.post(f"/u/{token_of(link)}/access", headers={"X-Link-Password": "falsch1"})
    assert refused.status_code == 401
    assert "Müller.pdf" not in refused.text
    opened = http.post(f"/u/{token_of(link)}/access", headers={"X-Link-Password": "geheim123"})
    assert opened.status_code == 200, opened.text
    [received] = opened.json()["received_files"]
    assert received["filename"] == "Müller.pdf"
    assert re.fullmatch(r"\d+(,\d)? KB", received["size"]), received
    assert set(received) == {"id", "filename", "size", "at", "item"}


def test_a_full_link_says_so_and_offers_no_upload(account: Account, http: httpx.Client) -> None:
    """Every file the link takes has arrived: the page says no more are possible (not
    "noch 0 Dateien möglich") and shows no upload form that could only fail."""
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"], max_files=2)
    page = http.get(f"/u/{token_of(link)}").text
    assert "noch 2 Dateien möglich" in page
    assert re.search(r'<form id="upload-form"[^>]*\shidden[\s>]', page) is None
    for name in ("Kündigung – 2024.pdf", "Müller.pdf"):
        assert upload(http, link, (name, pdf_bytes())).status_code == 201
    page = http.get(f"/u/{token_of(link)}").text
    assert "0 Dateien" not in page
    assert "keine weiteren Dateien möglich" in page
    assert re.search(r'<form id="upload-form"[^>]*\shidden[\s>]', page), page
    english = http.get(f"/u/{token_of(link)}?lang=en").text
    assert "no more files possible" in english and "0 more files" not in english
