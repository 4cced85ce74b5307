"""Upload links for staff, and how the public side treats unknown, expired, revoked links."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from application.upload_links import PasswordInvalid
from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.uploads import create_link, pdf_bytes, token_of, upload


def test_a_new_link_has_the_contract_defaults(account: Account, base_url: str) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    assert link["status"] == "active"
    assert link["customer_id"] == customer["id"]
    assert link["url"].startswith(f"{base_url}/u/")
    assert len(token_of(link)) >= 22  # at least 128 bits, URL-safe
    assert link["max_file_size"] == 100 * 1024 * 1024
    assert link["max_files"] is None and link["allowed_types"] == []
    assert link["password_protected"] is False
    expires = datetime.fromisoformat(link["expires_at"])
    assert timedelta(days=29, hours=23) < expires - datetime.now(UTC) <= timedelta(days=30)

    listed = account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
    assert [item["url"] for item in listed] == [link["url"]]
    assert account.get("/api/v1/customers").json()["items"][0]["link_count"] == 1


def test_a_link_with_everything(account: Account) -> None:
    customer = account.create_customer()
    link = create_link(
        account,
        customer["id"],
        title="Steuererklärung 2025",
        message="Bitte bis Ende Mai.",
        max_file_size=1000,
        max_files=3,
        allowed_types=["application/pdf", "image/*"],
        password="geheim123",
        requested_items=["Lohnsteuerbescheinigung 2025", {"label": "Kontoauszüge"}],
    )
    assert link["title"] == "Steuererklärung 2025"
    assert link["password_protected"] is True
    assert "password" not in link and "password_hash" not in link
    assert [i["label"] for i in link["requested_items"]] == [
        "Lohnsteuerbescheinigung 2025",
        "Kontoauszüge",
    ]
    assert all(i["received"] is False for i in link["requested_items"])


LINK_CASES: list[tuple[dict[str, Any], str]] = [
    ({"title": "x" * 201}, "title"),
    ({"message": "x" * 5001}, "message"),
    ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ({"expires_at": "2999-01-01T00:00:00Z"}, "expires_at"),
    ({"max_file_size": 0}, "max_file_size"),
    ({"max_file_size": 101 * 1024 * 1024}, "max_file_size"),
    ({"max_files": 0}, "max_files"),
    ({"max_files": 100_000}, "max_files"),
    ({"allowed_types": ["pdf"]}, "allowed_types"),
    ({"allowed_types": ["application/pdf; x=1"]}, "allowed_types"),
    ({"password": "abc"}, "password"),
    ({"requested_items": [""]}, "requested_items"),
    ({"requested_items": ["A", "a"]}, "requested_items"),
    ({"requested_items": ["x" * 201]}, "requested_items"),
    ({"unknown": True}, "unknown"),
]


@pytest.mark.parametrize(("body", "field"), LINK_CASES)
def test_link_fields_are_validated(account: Account, body: dict[str, Any], field: str) -> None:
    customer = account.create_customer()
    response = account.post(f"/api/v1/customers/{customer['id']}/links", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"] == []


def test_unknown_token_is_a_404_page(http: httpx.Client) -> None:
    page = http.get("/u/this-token-does-not-exist")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]
    assert 'data-refused="not_found"' in page.text
    refused = http.post("/u/this-token-does-not-exist/files", files={"file": ("a.pdf", b"x")})
    assert refused.status_code == 404


def test_revoked_link_is_a_410_page_and_refuses_uploads(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"])
    revoked = account.post(f"/api/v1/links/{link['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    page = http.get(f"/u/{token_of(link)}")
    assert page.status_code == 410
    assert 'data-refused="revoked"' in page.text
    refused = upload(http, link, ("a.pdf", pdf_bytes()))
    assert refused.status_code == 410
    assert refused.json()["error"]["code"] == "link_revoked"
    assert account.get("/api/v1/customers").json()["items"][0]["link_count"] == 0


def test_expired_link_is_a_410_page_and_refuses_uploads(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer()
    # Made (and used) a minute ago, valid for 30 s: expired now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    expiry = (a_minute_ago + timedelta(seconds=30)).isoformat()
    with made_at(services, a_minute_ago):
        link = create_link(account, customer["id"], expires_at=expiry)
        assert upload(http, link, ("a.pdf", pdf_bytes())).status_code == 201
    page = http.get(f"/u/{token_of(link)}")
    assert page.status_code == 410
    assert 'data-refused="expired"' in page.text
    refused = upload(http, link, ("b.pdf", pdf_bytes()))
    assert refused.status_code == 410
    assert refused.json()["error"]["code"] == "link_expired"
    listed = account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
    assert listed[0]["status"] == "expired"


def test_the_page_speaks_german_by_default_and_english_on_request(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], title="Unterlagen", requested_items=["Ausweis"])
    german = http.get(f"/u/{token_of(link)}")
    assert german.status_code == 200
    assert 'lang="de"' in german.text and "Hochladen" in german.text
    assert "Kanzlei Test" in german.text  # who asks
    assert "Ausweis" in german.text
    assert german.headers["referrer-policy"] == "no-referrer"
    english = http.get(f"/u/{token_of(link)}", params={"lang": "en"})
    assert 'lang="en"' in english.text and "Upload" in english.text
    by_header = http.get(f"/u/{token_of(link)}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert 'lang="en"' in by_header.text


def test_user_content_on_the_page_is_escaped(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(
        account, customer["id"], title="<script>alert(1)</script>", message="<b>fett</b>"
    )
    page = http.get(f"/u/{token_of(link)}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>fett</b>" not in page


def test_password_protected_link(account: Account, http: httpx.Client) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], password="geheim123", message="Vertraulich")
    page = http.get(f"/u/{token_of(link)}").text
    assert "Vertraulich" not in page  # the message waits for the password

    missing = upload(http, link, ("a.pdf", pdf_bytes()))
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "password_required"
    wrong = upload(http, link, ("a.pdf", pdf_bytes()), headers={"X-Link-Password": "falsch!!"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "password_invalid"
    as_field = upload(http, link, ("a.pdf", pdf_bytes()), data={"password": "geheim123"})
    assert as_field.status_code == 201, as_field.text
    right = upload(http, link, ("b.pdf", pdf_bytes()), headers={"X-Link-Password": "geheim123"})
    assert right.status_code == 201
    access = http.post(f"/u/{token_of(link)}/access", headers={"X-Link-Password": "geheim123"})
    assert access.json()["message"] == "Vertraulich"
    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert len(files) == 2


def test_wrong_passwords_are_rate_limited_then_lock_the_link(
    account: Account, http: httpx.Client
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], password="geheim123")
    access = f"/u/{token_of(link)}/access"
    codes = [
        http.post(access, headers={"X-Link-Password": f"wrong{i}xx"}).status_code for i in range(6)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    limited = http.post(access, headers={"X-Link-Password": "geheim123"})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


def test_the_link_locks_after_ten_wrong_passwords_until_staff_unlock_it(
    account: Account, http: httpx.Client, services: Services
) -> None:
    customer = account.create_customer()
    link = create_link(account, customer["id"], password="geheim123")
    token = token_of(link)
    # Ten wrong passwords from ten addresses: no address is rate limited, the link counts all.
    for i in range(10):
        public = services.app.links.public(token)
        with pytest.raises(PasswordInvalid):
            services.app.links.check_password(public, "falsch!!", f"192.0.2.{i}")
    page = http.get(f"/u/{token}")
    assert page.status_code == 423
    assert 'data-refused="locked"' in page.text
    refused = upload(http, link, ("a.pdf", pdf_bytes()), headers={"X-Link-Password": "geheim123"})
    assert refused.status_code == 423
    assert refused.json()["error"]["code"] == "link_locked"
    assert account.get(f"/api/v1/links/{link['id']}").json()["locked"] is True

    unlocked = account.post(f"/api/v1/links/{link['id']}/unlock")
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    again = upload(http, link, ("a.pdf", pdf_bytes()), headers={"X-Link-Password": "geheim123"})
    assert again.status_code == 201


def test_sending_a_link_needs_an_address(account: Account) -> None:
    without_email = account.create_customer("Ohne E-Mail")
    link = create_link(account, without_email["id"])
    refused = account.post(f"/api/v1/links/{link['id']}/send", json={})
    assert refused.status_code == 422
    assert "to" in refused.json()["error"]["fields"]
    bad = account.post(f"/api/v1/links/{link['id']}/send", json={"to": "kein-mail"})
    assert bad.status_code == 422
    assert (
        account.post(f"/api/v1/links/{link['id']}/send", json={"to": "a@example.com"}).status_code
        == 202
    )

    with_email = account.create_customer("Mit E-Mail", email="kunde@example.com")
    other = create_link(account, with_email["id"])
    assert account.post(f"/api/v1/links/{other['id']}/send").status_code == 202
    account.post(f"/api/v1/links/{other['id']}/revoke")
    revoked = account.post(f"/api/v1/links/{other['id']}/send", json={})
    assert revoked.status_code == 409


def test_a_link_shows_when_its_mail_went_out(account: Account) -> None:
    customer = account.create_customer("Anna Schmidt", email="anna@example.com")
    link = create_link(account, customer["id"])
    assert link["last_sent_at"] is None
    assert account.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202

    def listed() -> dict[str, Any]:
        items = account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
        found: dict[str, Any] = items[0]
        return found

    deadline = time.monotonic() + 20
    while listed()["last_sent_at"] is None:
        assert time.monotonic() < deadline, "the link mail was not recorded as sent"
        time.sleep(0.05)
    one = account.get(f"/api/v1/links/{link['id']}").json()
    assert one["last_sent_at"] == listed()["last_sent_at"]
    assert one["send_failure"] is None
