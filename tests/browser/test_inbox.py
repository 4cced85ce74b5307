"""The staff inbox in a real browser: a client's upload shows in the header and the inbox,
and reading it clears both; axe over the inbox."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, upload

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def test_the_inbox_shows_an_upload_and_clears_on_reading(
    account: Account, http: httpx.Client, base_url: str, browser: Browser
) -> None:
    customer = account.create_customer("Jürgen Weiß", email="jw@example.com")
    link = create_link(account, customer["id"], title="Kündigung – 2024")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = context.new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/customers")
    expect(page.locator("#inbox-unread")).to_have_count(0)
    page.get_by_role("link", name="Eingang").click()
    expect(page.get_by_text("Keine Meldungen.")).to_be_visible()

    assert upload(http, link, ("Müller.pdf", pdf_bytes(3_000))).status_code == 201
    page.reload()
    expect(page.locator("#inbox-unread")).to_have_text("1")
    notice = page.locator(".inbox-notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("Jürgen Weiß hat „Müller.pdf“ hochgeladen")
    expect(notice).to_contain_text("Link: Kündigung – 2024")
    expect(notice).to_contain_text("Neu")
    assert_accessible(page)

    notice.get_by_role("button", name=re.compile("Ansehen")).click()
    expect(page).to_have_url(f"{base_url}/customers/{customer['id']}")
    expect(page.locator("h1")).to_contain_text("Jürgen Weiß")
    expect(page.locator("#inbox-unread")).to_have_count(0)
    page.get_by_role("link", name="Eingang").click()
    expect(page.locator(".inbox-notice")).to_have_count(1)
    expect(page.locator(".inbox-notice.unread")).to_have_count(0)
    assert_accessible(page)

    # A second upload, cleared with "mark all as read"; its long name wraps in the page.
    long_name = "Straße 2 " + "x" * 170 + ".pdf"
    assert upload(http, link, (long_name, pdf_bytes(3_000))).status_code == 201
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("#inbox-unread")).to_have_text("1")
    page.get_by_role("button", name="Alle als gelesen markieren").click()
    expect(page.locator(".notice")).to_have_text("Alle Meldungen als gelesen markiert.")
    expect(page.locator("#inbox-unread")).to_have_count(0)
    expect(page.locator(".inbox-notice.unread")).to_have_count(0)
    context.close()
