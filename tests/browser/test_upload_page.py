"""The client's upload page in a real browser: drop files, watch them arrive."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect

from tests.browser.accessibility import assert_accessible
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, png_bytes

# SQLite only, as the other browser tests: the HTTP tests cover both backends.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")

# `make screenshots` sets this to docs/screenshots: the README's pictures come from here.
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")

DROP_FILES = """
([names, payloads]) => {
  const transfer = new DataTransfer();
  names.forEach((name, i) => {
    const bytes = Uint8Array.from(atob(payloads[i]), c => c.charCodeAt(0));
    transfer.items.add(new File([bytes], name));
  });
  return transfer;
}
"""


def test_a_client_drops_two_files_and_staff_see_them(
    account: Account, http: httpx.Client, browser: Browser
) -> None:
    customer = account.create_customer("Bernd Schmidt", email="bernd@example.com")
    link = create_link(
        account,
        customer["id"],
        title="Unterlagen Steuererklärung 2025",
        message="Bitte laden Sie die Belege bis Ende Mai hoch.",
        requested_items=["Lohnsteuerbescheinigung 2025", "Spendenquittungen"],
        allowed_types=["application/pdf", "image/*"],
        max_files=2,
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(link["url"])
    expect(page.locator(".limits")).to_contain_text("noch 2 Dateien möglich")
    expect(page.locator("h1")).to_have_text("Unterlagen Steuererklärung 2025")
    expect(page.locator(".who")).to_contain_text("Kanzlei Test")
    page.select_option("#item_id", label="Lohnsteuerbescheinigung 2025")
    page.fill("#uploader_name", "Bernd Schmidt")

    names = ["lohnsteuer.pdf", "quittung.png"]
    payloads = [
        base64.b64encode(pdf_bytes(30_000)).decode(),
        base64.b64encode(png_bytes(20_000)).decode(),
    ]
    transfer = page.evaluate_handle(DROP_FILES, [names, payloads])
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})

    expect(page.locator("#success")).to_be_visible()
    expect(page.locator("#arrived li")).to_have_count(2)
    expect(page.locator("#arrived")).to_contain_text("lohnsteuer.pdf")
    expect(page.locator("#arrived")).to_contain_text("quittung.png")
    expect(page.locator(".progress .state.ok")).to_have_count(2)
    expect(page.locator("#items li.received")).to_have_count(1)
    # The count follows what arrived: the link is full, its form gone, without a reload.
    expect(page.locator(".limits")).to_contain_text("keine weiteren Dateien möglich")
    expect(page.locator("#upload-form")).to_be_hidden()
    assert_accessible(page)
    # After a reload the client still sees what arrived: name, size, time, document.
    page.reload()
    received = page.locator("#received-list li")
    expect(received).to_have_count(2)
    expect(received.first).to_contain_text("lohnsteuer.pdf")
    expect(received.first).to_contain_text("29,3 KB")
    expect(received.first).to_contain_text("für „Lohnsteuerbescheinigung 2025“")
    expect(received.first).to_have_text(re.compile(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d"))
    expect(page.locator("#received-files")).not_to_contain_text("Bernd Schmidt")
    assert_accessible(page)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / "upload-page.png"), full_page=True)
    context.close()

    files = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert sorted(f["filename"] for f in files) == names
    assert all(f["uploader_name"] == "Bernd Schmidt" for f in files)
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert detail["status"] == "partial"
    received = {i["label"]: i["received"] for i in detail["active_links"][0]["requested_items"]}
    assert received == {"Lohnsteuerbescheinigung 2025": True, "Spendenquittungen": False}


def test_a_password_link_opens_after_the_password(
    account: Account, http: httpx.Client, browser: Browser
) -> None:
    customer = account.create_customer()
    link = create_link(
        account,
        customer["id"],
        password="geheim123",
        message="Nur für Sie",
        requested_items=["Ausweis"],
    )
    page = browser.new_page()
    page.goto(link["url"] + "?lang=en")
    expect(page.locator("#details")).to_be_hidden()
    # A connection that fails says so (it said nothing) and lets the client try again.
    page.route("**/access*", lambda route: route.abort(), times=1)
    page.fill("#link-password", "geheim123")
    page.click("#unlock-form button")
    expect(page.locator("#unlock-error")).to_have_text("Failed")
    expect(page.locator("#unlock-form button")).to_be_enabled()
    page.fill("#link-password", "wrong-one")
    page.click("#unlock-form button")
    expect(page.locator("#unlock-error")).to_be_visible()
    page.fill("#link-password", "geheim123")
    page.click("#unlock-form button")
    expect(page.locator("#message")).to_have_text("Nur für Sie")
    expect(page.locator("#items li")).to_have_count(1)
    # The checklist keeps its marks after the unlock, and the missing item is preselected.
    expect(page.locator("#items li.missing .mark")).to_have_text("still missing")
    expect(page.locator("#item_id")).to_have_value(
        page.locator("#items li").get_attribute("data-item-id") or ""
    )
    page.set_input_files(
        "#file",
        files=[{"name": "ausweis.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    # Choosing a file only shows it; "Upload" sends it.
    expect(page.locator("#chosen")).to_have_text("Chosen: ausweis.pdf")
    page.wait_for_timeout(300)
    expect(page.locator("#progress li")).to_have_count(0)
    page.click("#upload-button")
    expect(page.locator(".progress .state.ok")).to_have_count(1)
    expect(page.locator("#items li.received")).to_have_count(1)
    # Reloaded: nothing listed before the password, the file after it.
    page.reload()
    expect(page.locator("#received-files")).to_be_hidden()
    expect(page.locator("#received-list li")).to_have_count(0)
    page.fill("#link-password", "geheim123")
    page.click("#unlock-form button")
    expect(page.locator("#received-list li")).to_have_count(1)
    expect(page.locator("#received-list li")).to_contain_text("ausweis.pdf")
    expect(page.locator("#items li.received .mark")).to_have_text("received")
    assert_accessible(page)
    page.close()
    assert len(account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]) == 1


def test_an_upload_cut_off_mid_file_resumes_where_it_stopped(
    account: Account, http: httpx.Client, browser: Browser, tmp_path: Path
) -> None:
    """The page sends each file resumably (tus, 8 MiB pieces): the second piece's
    connection is reset, the page asks the server where the upload stands and goes on."""
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    content = pdf_bytes(10 * 1024 * 1024)
    path = tmp_path / "Kündigung – 2024.pdf"
    path.write_bytes(content)
    sent: list[tuple[str, str | None]] = []

    def cut_the_second_piece(route: Route) -> None:
        request = route.request
        sent.append((request.method, request.headers.get("upload-offset")))
        if request.method == "PATCH" and sent.count(("PATCH", str(8 * 1024 * 1024))) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.route("**/tus/**", cut_the_second_piece)
    page.goto(link["url"])
    page.set_input_files("#file", str(path))
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator(".progress .state.ok")).to_have_count(1, timeout=30_000)
    context.close()

    assert ("HEAD", None) in sent
    assert sent.count(("PATCH", str(8 * 1024 * 1024))) == 2
    (file,) = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert file["filename"] == "Kündigung – 2024.pdf"
    assert file["sha256"] == hashlib.sha256(content).hexdigest()
