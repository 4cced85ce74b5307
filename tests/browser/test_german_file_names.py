"""German file names through a real browser: the client's upload page and the staff's own
upload, shown on the customer's page exactly as the files were called."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")

CLIENT_FILES = ["Müller.pdf", "Kündigung – 2024.pdf"]
STAFF_FILE = "Bescheid – Straße 5.pdf"


def test_umlauts_and_dashes_arrive_exactly(
    account: Account, base_url: str, browser: Browser, tmp_path: Path
) -> None:
    customer = account.create_customer("Jörg Müller")
    link = create_link(account, customer["id"], title="Unterlagen 2024")
    paths = []
    for name in [*CLIENT_FILES, STAFF_FILE]:
        path = tmp_path / name
        path.write_bytes(pdf_bytes(8_000))
        paths.append(path)

    context = browser.new_context(locale="de-DE")
    client_page = context.new_page()
    client_page.goto(link["url"])
    client_page.set_input_files("#file", [str(p) for p in paths[:2]])
    client_page.click("#upload-button")
    expect(client_page.locator("#success")).to_be_visible()
    expect(client_page.locator("#arrived li")).to_have_count(2)
    for name in CLIENT_FILES:
        expect(client_page.locator("#arrived")).to_contain_text(name)
    context.close()

    staff = browser.new_context(locale="de-DE").new_page()
    signed_in(staff, base_url, account.email)
    staff.goto(f"{base_url}/customers/{customer['id']}")
    for name in CLIENT_FILES:
        expect(staff.locator("a.file-name", has_text=name)).to_have_text(name)
    staff.set_input_files("#sent-file", str(paths[2]))
    staff.locator("#sent-files button[type=submit]").click()
    expect(staff.locator("#sent-files .sent-list strong")).to_have_text(STAFF_FILE)
    assert_accessible(staff)
    download_url = staff.locator("#sent-files input[id^=sent-url-]").input_value()
    staff.context.close()

    # The client's page for the sent file: its German name. (axe over the upload page after
    # two files and over this page: test_upload_page.py and test_branded_client_page.py.)
    client_page = browser.new_page(locale="de-DE")
    client_page.goto(download_url)
    expect(client_page.locator("main")).to_contain_text(STAFF_FILE)
    client_page.close()

    received = account.get(f"/api/v1/customers/{customer['id']}/files").json()["items"]
    assert sorted(f["filename"] for f in received) == sorted(CLIENT_FILES)
    sent = account.get(f"/api/v1/customers/{customer['id']}/sent-files").json()["items"]
    assert [f["filename"] for f in sent] == [STAFF_FILE]
