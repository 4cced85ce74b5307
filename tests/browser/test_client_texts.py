"""What the client reads: every refusal from the catalogue in German and English, values
written for people, times in the organisation's zone equal in page and mail; axe over each."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.team import outbox, text_of
from tests.support.uploads import create_link, pdf_bytes

# SQLite only, as the other browser tests: the HTTP tests cover both backends.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")

RAW_VALUES = re.compile(r"application/|image/\*|text/plain|\bbytes?\b|\bUTC\b|1048576", re.I)

TEXTS = {
    "de": {
        "limits": "Bis zu 1,0 MB pro Datei · noch 1 Datei möglich",
        "types": "Erlaubt sind PDF-Dokumente und Bilder (JPEG, PNG).",
        "type": "„notizen.txt“ kann hier nicht hochgeladen werden: nur PDF-Dokumente und"
        " Bilder (JPEG, PNG).",
        "size": "„Kündigung – 2024.pdf“ ist zu groß: höchstens 1,0 MB pro Datei.",
        "count": "Über diesen Link ist höchstens 1 Datei möglich; sie ist schon da.",
        "choose": "Bitte wählen Sie zuerst eine Datei aus.",
        "password": "Das Passwort stimmt nicht.",
        "revoked": "Link zurückgezogen",
        "expired": "Link abgelaufen",
        # The office and how to reach it: the staff member who made (or sent) the link.
        "office": "Bitte wenden Sie sich an Kanzlei Test: {email}",
    },
    "en": {
        "limits": "Up to 1.0 MB per file · 1 more file possible",
        "types": "Allowed are PDF documents and images (JPEG, PNG).",
        "type": "“notizen.txt” cannot be uploaded here: only PDF documents and images (JPEG, PNG).",
        "size": "“Kündigung – 2024.pdf” is too large: at most 1.0 MB per file.",
        "count": "This link takes at most 1 file, and it has arrived.",
        "choose": "Please choose a file first.",
        "password": "The password is not correct.",
        "revoked": "Link revoked",
        "expired": "Link expired",
        "office": "Please get in touch with Kanzlei Test: {email}",
    },
}


def no_raw_values(page: Page) -> None:
    body = page.locator("body").inner_text()
    assert not RAW_VALUES.search(body), RAW_VALUES.search(body)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_refusal_on_the_upload_page_reads_from_the_catalogue(
    account: Account, browser: Browser, lang: str
) -> None:
    words = TEXTS[lang]
    customer = account.create_customer("Jörg Müller")
    link = create_link(
        account,
        customer["id"],
        title="Unterlagen 2024",
        max_files=1,
        max_file_size=1_048_576,
        allowed_types=["application/pdf", "image/*"],
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{link['url']}?lang={lang}")
    expect(page.locator(".limits")).to_contain_text(words["limits"])
    expect(page.locator(".limits")).to_contain_text(words["types"])
    no_raw_values(page)
    assert_accessible(page)

    page.click("#upload-button")
    expect(page.locator("#upload-notice")).to_have_text(words["choose"])

    # Too large: refused before it is sent (not one request), with the server's sentence.
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.set_input_files(
        "#file",
        files=[{"name": "Kündigung – 2024.pdf", "mimeType": "application/pdf",
                "buffer": pdf_bytes(1_300_000)}],
    )  # fmt: skip
    page.click("#upload-button")
    expect(page.locator(".progress .state.bad").last).to_contain_text(words["size"])
    expect(page.locator(".progress progress")).to_have_count(0)
    assert not [url for url in sent if "/tus" in url or "/files" in url], sent

    page.set_input_files(
        "#file",
        files=[{"name": "notizen.txt", "mimeType": "text/plain",
                "buffer": "Straße 1\n".encode() * 2000}],
    )  # fmt: skip
    page.click("#upload-button")
    expect(page.locator(".progress .state.bad").last).to_contain_text(words["type"])

    # Two files where one more is possible: the first arrives, the second is refused; the
    # full link's form then goes.
    page.set_input_files(
        "#file",
        files=[{"name": "Müller.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
               {"name": "zweite.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )  # fmt: skip
    page.click("#upload-button")
    expect(page.locator(".progress .state.ok")).to_have_count(1)
    expect(page.locator(".progress .state.bad").last).to_contain_text(words["count"])
    expect(page.locator("#upload-form")).to_be_hidden()
    no_raw_values(page)
    assert_accessible(page)
    page.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_password_revoked_and_expired_read_from_the_catalogue(
    account: Account, services: Services, browser: Browser, lang: str
) -> None:
    words = TEXTS[lang]
    customer = account.create_customer("Anna Straße")
    # Made a minute ago, valid for 30 s: expired now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    with made_at(services, a_minute_ago):
        expiring = create_link(
            account, customer["id"], expires_at=(a_minute_ago + timedelta(seconds=30)).isoformat()
        )
    protected = create_link(account, customer["id"], password="geheim123")
    page = browser.new_page()
    page.goto(f"{protected['url']}?lang={lang}")
    page.fill("#link-password", "falsch-123")
    page.click("#unlock-form button")
    expect(page.locator("#unlock-error")).to_have_text(words["password"])
    assert_accessible(page)

    revoked = create_link(account, customer["id"])
    assert account.post(f"/api/v1/links/{revoked['id']}/revoke").status_code == 200
    page.goto(f"{revoked['url']}?lang={lang}")
    expect(page.locator("h1")).to_have_text(words["revoked"])
    expect(page.locator(".ask")).to_have_text(words["office"].format(email=account.email))
    expect(page.locator(".ask a")).to_have_attribute("href", f"mailto:{account.email}")
    no_raw_values(page)
    assert_accessible(page)

    page.goto(f"{expiring['url']}?lang={lang}")
    expect(page.locator("h1")).to_have_text(words["expired"])
    expect(page.locator(".ask")).to_have_text(words["office"].format(email=account.email))
    assert_accessible(page)
    page.close()


def test_the_expiry_on_the_page_is_the_expiry_in_the_mail(
    account: Account, services: Services, browser: Browser
) -> None:
    customer = account.create_customer("Lena Groß", email="lena@example.com")
    # 23:30 UTC is already the next day in Berlin: page and mail must both say so.
    link = create_link(
        account,
        customer["id"],
        message="Bitte bis Freitag.",
        expires_at=(datetime.now(UTC) + timedelta(days=20))
        .replace(hour=23, minute=30, second=0, microsecond=0)
        .isoformat(),
    )
    assert account.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
    deadline = time.monotonic() + 10
    mails: list = []
    while time.monotonic() < deadline and not mails:
        mails = [m for m in outbox(services.settings.data_dir) if m["To"] == "lena@example.com"]
        time.sleep(0.1)
    assert mails, "no link mail"
    mail_text = text_of(mails[-1])
    assert "Bitte bis Freitag." in mail_text
    found = re.search(r"gültig bis (\d\d\.\d\d\.\d{4}, \d\d:\d\d)", mail_text)
    assert found, mail_text
    page = browser.new_page(locale="de-DE")
    page.goto(link["url"])
    expect(page.locator(".limits")).to_contain_text(f"gültig bis {found.group(1)}")
    assert found.group(1).endswith(", 00:30") or found.group(1).endswith(", 01:30")
    page.close()
