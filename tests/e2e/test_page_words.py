"""Every template, and every page people read in German: no raw MIME type, no byte count,
no "UTC", no raw id, and no English sentence (issue 16's walk over all pages)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx

from infrastructure.bootstrap import Services
from tests.e2e.test_staff_pages_http import signed_in
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.team import invitation_token, outbox
from tests.support.uploads import create_link, pdf_bytes, png_bytes, upload

TEMPLATES = Path(__file__).resolve().parents[2] / "interfaces" / "templates"

RAW = re.compile(
    r"\b(?:application|image|text|audio|video)/[a-z0-9.+*-]+"  # a MIME type
    r"|\b\d+\s*(?:bytes?|Bytes?)\b|\b\d{5,}\b"  # a byte count
    r"|\bUTC\b"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",  # a raw id
)
# Words of an English sentence that German texts do not use.
ENGLISH = re.compile(
    r"\b(?:the|is|are|this|your|please|with|not|of|has|have|been|must|file|files"
    r"|upload link|customer|customers|settings|sign in|sign out)\b",
    re.IGNORECASE,
)
# Words that are the same in both languages or names of things (allowed on a German page).
ALLOWED = {"docintake", "English", "Switch to English"}


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            # What people read besides the text: labels, titles, placeholders, confirmations.
            if name in {"aria-label", "title", "placeholder", "data-confirm", "alt"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    # An e-mail address is what people typed, not a raw value (a signup's may be all digits).
    text = re.sub(r"\S+@\S+", " ", text)
    for word in ALLOWED:
        text = text.replace(word, "")
    return text


def test_no_template_writes_utc_mime_types_or_bytes() -> None:
    found = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        text = re.sub(r"\{[{%#].*?[}%#]\}", " ", source, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        for match in re.finditer(r"\bUTC\b|\b(?:application|image)/|\bbytes?\b", text):
            found.append((template.name, match.group(0)))
    assert found == []


def test_every_page_reads_german_without_raw_values(
    account: Account, http: httpx.Client, services: Services, base_url: str
) -> None:
    customer = account.create_customer(
        "Jörg Müller", email="joerg.mueller@example.com", company="Müller & Söhne GmbH"
    )
    link = create_link(
        account,
        customer["id"],
        title="Unterlagen Steuererklärung 2024",
        message="Bitte bis Ende Mai – danke!",
        max_files=5,
        max_file_size=2_097_152,
        allowed_types=["application/pdf", "image/*"],
        requested_items=["Lohnsteuerbescheinigung", "Spendenquittung"],
    )
    item = link["requested_items"][0]["id"]
    sent = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes(51_200)), data={"item_id": item})
    assert sent.status_code == 201
    upload(http, link, ("Foto Straße.png", png_bytes(20_000)))
    account.put(
        f"/api/v1/files/{sent.json()['files'][0]['id']}/review",
        json={"state": "query", "comment": "Bitte die zweite Seite."},
    )
    account.post(f"/api/v1/customers/{customer['id']}/notes", json={"text": "Ruft Montag an."})
    # A letter after the hex: six hex digits that are all digits would read as a byte count.
    address = f"kollegin-{uuid.uuid4().hex[:6]}k@example.com"
    account.post("/api/v1/invitations", json={"email": address, "role": "member"})
    token = invitation_token(outbox(services.settings.data_dir, to=address)[-1])
    # Made a minute ago, valid for 30 s: expired now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    with made_at(services, a_minute_ago):
        expiry = (a_minute_ago + timedelta(seconds=30)).isoformat()
        expired = create_link(account, customer["id"], expires_at=expiry)
    revoked = create_link(account, customer["id"])
    account.post(f"/api/v1/links/{revoked['id']}/revoke")

    problems: dict[str, list[str]] = {}
    pages: dict[str, str] = {}
    with signed_in(base_url, account.email) as browser:
        for path in [
            "/customers",
            "/customers?q=M%C3%BCller",
            "/customers/new",
            f"/customers/{customer['id']}",
            f"/customers/{customer['id']}/delete",
            f"/customers/{customer['id']}/links/new",
            f"/links/{link['id']}",
            "/settings",
            "/settings/templates",
            "/settings/templates/new",
        ]:
            response = browser.get(path)
            assert response.status_code == 200, (path, response.status_code)
            pages[path] = response.text
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    for name, url in [
        ("login", f"{base_url}/login"),
        ("invitation", f"{base_url}/invitations/{token}"),
        ("upload page", link["url"]),
        ("expired link", expired["url"]),
        ("revoked link", revoked["url"]),
        ("unknown link", f"{base_url}/u/gibt-es-nicht"),
    ]:
        pages[name] = http.get(url, headers=german).text

    for name, html in pages.items():
        assert '<html lang="de">' in html, name
        text = visible(html)
        found = [m.group(0) for m in RAW.finditer(text)] + [
            m.group(0) for m in ENGLISH.finditer(text)
        ]
        if found:
            problems[name] = found
    assert problems == {}
