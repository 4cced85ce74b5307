"""A member's own notification switch, the organisation's mail language, and the embedded
mode's outbox: each mail an `.eml` file in DATA_DIR/outbox."""

from __future__ import annotations

import uuid

import httpx

from infrastructure.bootstrap import Services
from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account
from tests.support.jobs import wait_until
from tests.support.team import outbox, text_of
from tests.support.uploads import create_link, pdf_bytes, upload

NOTIFICATIONS = "/api/v1/members/me/notifications"


def test_the_settings_page_switches_ones_own_upload_notices(
    account: Account, base_url: str
) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings")
        assert "E-Mail an mich, wenn Kunden Dateien hochladen" in page.text
        token = csrf_token_of(page)
        # No box sent: off.
        off = browser.post("/settings/notifications", data={"csrf_token": token})
        assert off.status_code == 303
        assert account.get(NOTIFICATIONS).json() == {"uploads": False}
        on = browser.post("/settings/notifications", data={"csrf_token": token, "uploads": "on"})
        assert on.status_code == 303
    assert account.get(NOTIFICATIONS).json() == {"uploads": True}


def test_a_member_switches_upload_notices_off_and_on(account: Account) -> None:
    assert account.get(NOTIFICATIONS).json() == {"uploads": True}

    off = account.put(NOTIFICATIONS, json={"uploads": False})
    assert off.status_code == 200, off.text
    assert off.json() == {"uploads": False}
    assert account.get(NOTIFICATIONS).json() == {"uploads": False}
    assert account.put(NOTIFICATIONS, json={"uploads": True}).json() == {"uploads": True}

    for wrong in ({"uploads": "no"}, {}, {"uploads": True, "reviews": True}):
        refused = account.put(NOTIFICATIONS, json=wrong)
        assert refused.status_code == 422, wrong
        assert refused.json()["error"]["code"] == "validation_failed"


def test_the_organisation_chooses_the_language_of_its_mails(account: Account) -> None:
    assert account.get("/api/v1/organization").json()["language"] == "de"

    changed = account.patch("/api/v1/organization", json={"language": "en"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "en"
    assert account.get("/api/v1/organization").json()["language"] == "en"

    refused = account.patch("/api/v1/organization", json={"language": "fr"})
    assert refused.status_code == 422
    assert "language" in refused.json()["error"]["fields"]


def test_the_embedded_mode_writes_each_mail_to_the_outbox(
    account: Account, http: httpx.Client, services: Services
) -> None:
    assert account.patch("/api/v1/organization", json={"language": "en"}).status_code == 200
    client = f"client-{uuid.uuid4().hex[:8]}@example.com"
    customer = account.create_customer("Erin English", email=client)
    link = create_link(account, customer["id"], title="Tax papers")
    assert account.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202

    def mails_to(address: str) -> list[str]:
        return [text_of(m) for m in outbox(services.settings.data_dir, to=address)]

    wait_until(lambda: mails_to(client), what="the link mail in the outbox")
    [text] = mails_to(client)
    assert "asks you to upload documents" in text and link["url"] in text.splitlines()

    assert upload(http, link, ("receipt.pdf", pdf_bytes())).status_code == 201
    wait_until(lambda: mails_to(account.email), what="the upload notice in the outbox")
    [notice] = mails_to(account.email)
    assert "a new file for Erin English arrived" in notice and "receipt.pdf" in notice
