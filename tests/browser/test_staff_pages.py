"""The staff pages in a real browser: a customer from first contact to complete, and what a
viewer and a forged form post may not do."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.support.api import PASSWORD, Account
from tests.support.team import add_member
from tests.support.uploads import create_link, pdf_bytes, upload

# SQLite only: tests/e2e/test_staff_pages_http.py drives the same pages on both backends
# over HTTP, so a browser on PostgreSQL would add some 15 s and little else.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")

# `make screenshots` sets this to docs/screenshots: the README's pictures come from here.
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")
LAPTOP = {"width": 1280, "height": 900}
TABLET = {"width": 800, "height": 1100}


def screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=True)


def sign_in(page: Page, base_url: str, email: str) -> None:
    """Open the customers, get sent to the sign-in page, sign in, come back."""
    page.goto(f"{base_url}/customers")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcustomers$"))
    assert_accessible(page)
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page).to_have_url(f"{base_url}/customers")


def signed_in(page: Page, base_url: str, email: str) -> None:
    """Sign in over HTTP in the page's cookie jar, for tests about what comes after: the
    form itself is driven (and axe-checked) by test_a_customer_from_first_contact_to_complete."""
    answer = page.context.request.post(
        f"{base_url}/login", form={"email": email, "password": PASSWORD}, max_redirects=0
    )
    assert answer.status == 303, answer.text()


def test_a_customer_from_first_contact_to_complete(
    account: Account, base_url: str, browser: Browser
) -> None:
    # Other customers, so that search and filter have something to leave out.
    account.create_customer(
        "Müller Immobilien GmbH", email="info@mueller-immobilien.de", company="Müller Immobilien"
    )
    wagner = account.create_customer("Dr. Petra Wagner", email="p.wagner@kanzlei-wagner.de")
    done = account.put(f"/api/v1/customers/{wagner['id']}/status", json={"status": "complete"})
    assert done.status_code == 200, done.text
    account.create_customer("Jonas Becker", email="jonas.becker@gmail.com", company="Becker Bau")

    staff = browser.new_context(viewport=LAPTOP, locale="de-DE")
    staff.grant_permissions(["clipboard-read", "clipboard-write"])
    page = staff.new_page()
    sign_in(page, base_url, account.email)
    rows = page.locator("#customer-table tbody tr")
    expect(rows).to_have_count(3)
    # (axe over the overview below, once it shows every status.)

    # A new customer: the name is required; the error stands beside it, the input is kept.
    page.get_by_role("link", name="Neuer Kunde").first.click()
    page.fill("#name", "   ")
    page.fill("#email", "buchhaltung@schmidt-gmbh.de")
    page.fill("#company", "Schmidt GmbH")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.locator("#name-error")).to_have_text("Bitte ausfüllen.")
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email")).to_have_value("buchhaltung@schmidt-gmbh.de")
    expect(page.locator("#company")).to_have_value("Schmidt GmbH")
    assert_accessible(page)
    page.fill("#name", "Bernd Schmidt")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.locator("h1")).to_contain_text("Bernd Schmidt")
    expect(page.locator(".notice")).to_have_text("Kunde angelegt.")
    badge = page.locator("#status-badge")
    expect(badge).to_have_text("Offen")
    customer_url = page.url.split("?")[0]
    customer_id = customer_url.rsplit("/", 1)[1]

    # An upload link with two requested documents, shown with copy and send right away.
    assert_accessible(page)
    page.get_by_role("link", name="Neuer Upload-Link").click()
    assert_accessible(page)
    page.get_by_label("Titel").fill("Jahresabschluss 2024")
    page.fill("#message", "Bitte laden Sie die Unterlagen bis Ende März hoch.")
    page.fill("#requested_items", "Kontoauszüge Dezember\nLohnsteuerbescheinigung 2024\n")
    page.get_by_role("button", name="Link erstellen").click()
    expect(page.locator("h1")).to_have_text("Upload-Link erstellt: Jahresabschluss 2024")
    link_url = page.locator("#link-url").input_value()
    assert re.fullmatch(rf"{re.escape(base_url)}/u/[A-Za-z0-9_-]{{32}}", link_url)
    page.get_by_role("button", name="Kopieren").click()
    expect(page.get_by_role("button", name="Kopiert")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link_url
    expect(page.locator("#send-form #to")).to_have_value("buchhaltung@schmidt-gmbh.de")
    expect(page.locator("#created-link .items li")).to_have_count(2)
    assert_accessible(page)

    # The client, in a browser of their own, uploads a file for one of the two documents.
    client = browser.new_context(viewport=TABLET, locale="de-DE")
    upload_page = client.new_page()
    upload_page.goto(link_url)
    expect(upload_page.locator("h1")).to_have_text("Jahresabschluss 2024")
    upload_page.select_option("#item_id", label="Lohnsteuerbescheinigung 2024")
    upload_page.fill("#uploader_name", "Bernd Schmidt")
    content = pdf_bytes(40_000)
    upload_page.set_input_files(
        "#file",
        files=[{"name": "lohnsteuer-2024.pdf", "mimeType": "application/pdf", "buffer": content}],
    )
    upload_page.click("#upload-button")
    expect(upload_page.locator(".progress .state.ok")).to_have_count(1)
    assert_accessible(upload_page)
    client.close()

    # Back on the staff page: status, the file, the received mark and the history.
    page.goto(customer_url)
    expect(badge).to_have_text("Teilweise")
    files = page.locator("#received-files tbody tr")
    expect(files).to_have_count(1)
    expect(files).to_contain_text("lohnsteuer-2024.pdf")
    expect(files).to_contain_text("Lohnsteuerbescheinigung 2024")
    expect(files).to_contain_text("Bernd Schmidt")
    expect(files.locator(".badge[class*=review-]")).to_have_text("Ausstehend")
    expect(page.locator("#links .items li.received")).to_have_count(1)
    expect(page.locator("#links .items li.received")).to_contain_text("Lohnsteuerbescheinigung")
    expect(page.locator("#links .items li.missing")).to_contain_text("Kontoauszüge Dezember")
    expect(page.locator("#links .upload-count")).to_have_text("1 Upload")
    expect(page.locator("#activity .timeline")).to_contain_text(
        "Status von „offen“ auf „teilweise“ geändert"
    )
    expect(page.locator("#activity .timeline")).to_contain_text("Datei „lohnsteuer-2024.pdf“")
    expect(page.locator("#recent-files li")).to_have_count(1)
    with page.expect_download() as download:
        files.get_by_role("link", name="lohnsteuer-2024.pdf herunterladen").click()
    assert Path(download.value.path()).read_bytes() == content

    # Review: checked. Then the whole customer is complete.
    files.get_by_role("button", name="Als geprüft markieren: lohnsteuer-2024.pdf").click()
    expect(page.locator(".notice")).to_have_text("Prüfung gespeichert.")
    expect(files.locator(".badge[class*=review-]")).to_have_text("Geprüft")
    # One requested document is still missing: "Vollständig" asks first.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Status auf „Vollständig“ setzen").click()
    expect(page.locator(".notice")).to_have_text("Status geändert.")
    assert asked and "Trotzdem auf „Vollständig“ setzen?" in asked[0]
    expect(badge).to_have_text("Vollständig")
    expect(page.locator("#status-switch button[aria-pressed=true]")).to_have_text("Vollständig")
    page.get_by_label("Neue Notiz").fill("Originale am Montag zurückgeben.")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator("#notes .notes li")).to_contain_text("Originale am Montag zurückgeben.")
    screenshot(page, "detail.png")
    assert_accessible(page)

    # The overview: search by part of the e-mail as you type, then filter by status.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Kunden"
    ).click()
    expect(rows).to_have_count(4)
    row = rows.filter(has_text="Bernd Schmidt")
    expect(row.locator(".badge")).to_have_text("Vollständig")
    expect(row.locator("td.num")).to_have_text(["1", "1"])
    screenshot(page, "overview.png")
    assert_accessible(page)
    page.get_by_label("Suche").press_sequentially("schmidt-gmb", delay=20)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bernd Schmidt")
    expect(page).to_have_url(re.compile(r"q=schmidt-gmb"))
    page.get_by_label("Suche").fill("")
    expect(rows).to_have_count(4)
    tabs = page.get_by_role("navigation", name="Nach Status filtern")
    expect(tabs.locator("[data-status=complete] .count")).to_have_text("2")
    expect(tabs.locator("[data-status=open] .count")).to_have_text("2")
    tabs.locator("[data-status=complete]").click()
    expect(rows).to_have_count(2)
    expect(rows.locator(".customer-name")).to_have_text(["Bernd Schmidt", "Dr. Petra Wagner"])
    expect(tabs.locator("[aria-current=page]")).to_contain_text("Vollständig")

    # Deleting names what goes, says it cannot be undone, and only then removes it.
    page.goto(customer_url)
    page.get_by_role("link", name="Kunden löschen").click()
    summary = page.locator("#delete-summary")
    expect(summary).to_contain_text("Bernd Schmidt")
    expect(summary).to_contain_text("1 Upload-Link")
    expect(summary).to_contain_text("1 empfangene Datei")
    expect(page.get_by_role("alert")).to_have_text(
        "Diese Aktion kann nicht rückgängig gemacht werden."
    )
    assert_accessible(page)
    assert account.get(f"/api/v1/customers/{customer_id}").status_code == 200
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(page.locator(".notice")).to_have_text("Kunde gelöscht.")
    expect(rows).to_have_count(3)
    expect(page.locator("#customer-table")).not_to_contain_text("Bernd Schmidt")
    assert account.get(f"/api/v1/customers/{customer_id}").status_code == 404
    staff.close()


def test_a_viewer_sees_no_edit_controls_and_forged_posts_change_nothing(
    account: Account, services: Services, base_url: str, browser: Browser
) -> None:
    customer = account.create_customer("Clara Vogel", email="clara@example.com")
    link = create_link(account, customer["id"], requested_items=["Personalausweis"])
    assert upload(account.client, link, ("ausweis.pdf", pdf_bytes(3_000))).status_code == 201
    viewer = add_member(account, services.settings.data_dir, "viewer")
    status_url = f"{base_url}/customers/{customer['id']}/status"

    looker = browser.new_context(viewport=TABLET, locale="de-DE")
    page = looker.new_page()
    signed_in(page, base_url, viewer.email)
    page.goto(f"{base_url}/customers")
    expect(page.locator("#customer-table")).to_contain_text("Clara Vogel")
    expect(page.get_by_role("link", name="Neuer Kunde")).to_have_count(0)
    page.get_by_role("link", name="Clara Vogel").click()
    expect(page.locator("#received-files")).to_contain_text("ausweis.pdf")
    assert_accessible(page)
    expect(page.locator("#links")).to_contain_text("Personalausweis")
    # Everything is there to read; nothing to change.
    expect(page.locator("main form")).to_have_count(0)
    for control in ("#status-switch", "#new-link", "#delete-customer", "#info details"):
        expect(page.locator(control)).to_have_count(0)
    # The application refuses the viewer even a well-formed post.
    token = page.locator("header input[name=csrf_token]").input_value()
    refused = looker.request.post(
        status_url, form={"status": "complete", "csrf_token": token}, max_redirects=0
    )
    assert refused.status == 403
    assert "Berechtigung" in refused.text()
    response = page.goto(f"{base_url}/customers/new")
    assert response is not None and response.status == 403
    looker.close()

    owner = browser.new_context(viewport=LAPTOP, locale="de-DE")
    signed_in(owner.new_page(), base_url, account.email)
    for form in ({"status": "complete"}, {"status": "complete", "csrf_token": "forged"}):
        forged = owner.request.post(status_url, form=form, max_redirects=0)
        assert forged.status == 403
        assert "Formular ist veraltet" in forged.text()
    forged_delete = owner.request.post(
        f"{base_url}/customers/{customer['id']}/delete", form={}, max_redirects=0
    )
    assert forged_delete.status == 403
    owner.close()
    detail = account.get(f"/api/v1/customers/{customer['id']}")
    assert detail.status_code == 200
    assert detail.json()["status"] == "partial"
