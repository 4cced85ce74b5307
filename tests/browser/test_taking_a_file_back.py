"""A client's second thoughts in a real browser: a file sent by mistake removed from the
same page within 15 minutes (also after a reload), and refused after them (the server's
clock moved on by the test); axe-core finds nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_upload_page import DROP_FILES
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def test_a_file_removed_within_15_minutes_and_refused_after(
    account: Account, browser: Browser, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    link = create_link(account, customer["id"], requested_items=["Kündigung – 2024", "Mietvertrag"])
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="de-DE", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(link["url"])
    # A phone cannot drag files: only the button, no "Dateien hierher ziehen oder".
    expect(page.locator("#dropzone")).not_to_contain_text("hierher ziehen", use_inner_text=True)
    expect(page.get_by_text("Dateien auswählen")).to_be_visible()

    def drop(name: str) -> None:
        payload = base64.b64encode(pdf_bytes(20_000)).decode()
        transfer = page.evaluate_handle(DROP_FILES, [[name], [payload]])
        page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})

    page.select_option("#item_id", label="Kündigung – 2024")
    drop("Müller.pdf")
    expect(page.locator("#arrived li")).to_have_count(1)
    expect(page.locator("#items li.received")).to_have_count(1)
    remove = page.get_by_role("button", name="Entfernen: Müller.pdf")
    expect(remove).to_be_visible()
    assert_accessible(page)
    remove.click()
    # The page as the server has it now: the document missing again, nothing received.
    expect(page.locator("#removal-notice")).to_have_text("„Müller.pdf“ wurde entfernt.")
    expect(page.locator("#items li.missing")).to_have_count(2)
    expect(page.locator("#received-list li")).to_have_count(0)
    # No heading "schon angekommen" above an empty list: the notice says what happened.
    expect(page.locator("#received-files-title")).to_be_hidden()
    assert account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"] == []

    # The next file stays offered after a reload (the key is in this tab's storage) ...
    page.select_option("#item_id", label="Kündigung – 2024")
    drop("Kündigung – 2024.pdf")
    expect(page.locator("#arrived li")).to_have_count(1)
    page.reload()
    late = page.get_by_role("button", name="Entfernen: Kündigung – 2024.pdf")
    expect(late).to_be_visible()
    expect(page.locator("#received-files-title")).to_be_visible()
    # ... but 16 minutes later the server refuses, in German, and the file stays.
    real_now = services.app.now()
    monkeypatch.setattr(services.app, "now", lambda: real_now + timedelta(minutes=16))
    late.click()
    expect(page.locator("#upload-notice")).to_contain_text(
        "Eine Datei kann nur innerhalb von 15 Minuten nach dem Hochladen entfernt werden."
    )
    expect(late).to_have_count(0)
    assert_accessible(page)
    context.close()
    [kept] = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert kept["filename"] == "Kündigung – 2024.pdf"
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    assert any(
        a["summary"] == "Datei „Müller.pdf“ vom Absender innerhalb von 15 Minuten zurückgenommen"
        for a in activity
    )
