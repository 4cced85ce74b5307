"""The customer overview and page at 1280 px: customer numbers, the family-name order, tab
counts that follow the search, notes changed and deleted; and what issue 16 saw there
(the sign-out form's token, the review column cut off)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import LAPTOP, signed_in
from tests.support.api import Account
from tests.support.team import add_member
from tests.support.uploads import create_link, pdf_bytes, upload

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def names_in_order(page: Page) -> list[str]:
    return page.locator("#customer-table tbody .customer-name").all_inner_texts()


def tab_count(page: Page, status: str) -> str:
    return page.locator(f'.tabs a[data-status="{status}"] .count').inner_text()


def test_numbers_order_counts_and_notes_on_the_staff_pages(
    account: Account, services: Services, base_url: str, browser: Browser
) -> None:
    # First names in one order, family names in the other.
    zander = account.create_customer("Anna Zander", email="anna@zander.de")
    account.create_customer("Bernd Adler", customer_number="K-100")
    account.create_customer("Clara Müller", customer_number="K-200")
    account.put(f"/api/v1/customers/{zander['id']}/status", json={"status": "complete"})
    colleague = add_member(account, services.settings.data_dir, "member", name="Karl Kollege")
    notes = f"/api/v1/customers/{zander['id']}/notes"
    theirs = colleague.post(notes, json={"text": "Notiz von Karl: Steuer-ID fehlt"})
    assert theirs.status_code == 201, theirs.text
    link = create_link(account, zander["id"], requested_items=["Kündigung – 2024"])
    sent = upload(account.client, link, ("Kündigung – 2024.pdf", pdf_bytes(30_000)))
    assert sent.status_code == 201, sent.text

    staff = browser.new_context(viewport=LAPTOP, locale="de-DE")
    page = staff.new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/customers")

    # The sign-out form carries the session's token, not a function's name.
    token = page.locator('form[action="/logout"] input[name="csrf_token"]').input_value()
    assert re.fullmatch(r"[A-Za-z0-9_\-]{20,}", token), token

    # "Nachname (A–Z)" is the default order; the number has a column of its own.
    expect(page.locator("#sort")).to_have_value("name")
    expect(page.locator("#sort option:checked")).to_have_text("Nachname (A–Z)")
    assert names_in_order(page) == ["Bernd Adler", "Clara Müller", "Anna Zander"]
    expect(page.locator("#customer-table thead")).to_contain_text("Mandanten-Nr.")
    adler_row = page.locator("#customer-table tbody tr", has_text="Bernd Adler")
    expect(adler_row.locator(".customer-number")).to_have_text("K-100")
    assert (tab_count(page, "all"), tab_count(page, "complete")) == ("3", "1")

    # A search by number; the tabs count what it finds.
    page.fill("#q", "k-")
    page.get_by_role("button", name="Suchen").click()
    expect(page.locator("#customer-table tbody tr")).to_have_count(2)
    assert names_in_order(page) == ["Bernd Adler", "Clara Müller"]
    assert [tab_count(page, s) for s in ("all", "open", "partial", "complete")] == [
        "2",
        "2",
        "0",
        "0",
    ]
    assert_accessible(page)

    # A new customer with a number; it shows on the page and can be changed there.
    page.goto(f"{base_url}/customers/new")
    page.fill("#name", "Jürgen Weiß")
    page.get_by_label("Mandantennummer (optional)").fill("00123/Kü")
    page.get_by_role("button", name="Anlegen").click()
    expect(page.locator("#customer-number")).to_have_text("Mandantennummer 00123/Kü")
    page.locator("#info summary").click()
    page.fill("#edit-customer-number", "M-2024 🙂")
    page.locator("#info").get_by_role("button", name="Speichern").click()
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("#customer-number")).to_have_text("Mandantennummer M-2024 🙂")

    # Notes: my own changed, a colleague's deleted (the owner may), after a confirmation.
    page.goto(f"{base_url}/customers/{zander['id']}")
    page.fill("#note-text", "Ruft Montag an – Straße 5")
    page.get_by_role("button", name="Notiz speichern").click()
    expect(page.locator(".notice")).to_have_text("Notiz gespeichert.")
    mine = page.locator(".notes li", has_text="Ruft Montag an")
    mine.locator("summary", has_text="Notiz bearbeiten").click()
    mine.get_by_label("Text der Notiz").fill("Ruft Dienstag an – Straße 5")
    mine.get_by_role("button", name="Speichern").click()
    expect(page.locator(".notice")).to_have_text("Notiz geändert.")
    edited = page.locator(".notes li", has_text="Ruft Dienstag an")
    expect(edited).to_contain_text("bearbeitet")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".notes li", has_text="Notiz von Karl").get_by_role(
        "button", name="Notiz löschen"
    ).click()
    expect(page.locator(".notice")).to_have_text("Notiz gelöscht.")
    expect(page.locator(".notes li")).to_have_count(1)
    timeline = page.locator("#activity .timeline")
    expect(timeline).to_contain_text("Interne Notiz gelöscht")
    expect(timeline).to_contain_text("Interne Notiz geändert")
    expect(timeline).not_to_contain_text("Dienstag")
    expect(timeline).not_to_contain_text("Steuer-ID")

    # At 1280 px the review column is whole: nothing in it is clipped, the table not cut.
    review = page.locator("#received-files td.review").first
    expect(review).to_contain_text("Ausstehend")
    wrap = page.locator("#received-files .table-wrap")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), "the file table is cut off"
    for part in review.locator(".badge, button, summary").all():
        assert part.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), part.inner_text()
    # With a note's edit form open too.
    edited.locator("summary").first.click()
    assert_accessible(page)
    staff.close()

    # The colleague may change only their own notes: mine shows no controls to them.
    other = browser.new_context(viewport=LAPTOP, locale="de-DE")
    colleague_page = other.new_page()
    signed_in(colleague_page, base_url, colleague.email)
    colleague_page.goto(f"{base_url}/customers/{zander['id']}")
    expect(colleague_page.locator(".notes li")).to_have_count(1)
    expect(colleague_page.locator(".notes li .note-actions")).to_have_count(0)
    other.close()


def test_a_very_long_name_wraps_on_the_list_and_the_page(
    account: Account, base_url: str, browser: Browser
) -> None:
    """A name of 150 letters with no space (and one that fills the link's title) stays inside
    the page: the list keeps every column in view, the page's heading and history wrap."""
    endless = "Ölfa Straßenbau – Dr. Übel " + "Ш" * 150
    customer = account.create_customer(endless, customer_number="K-1", company="Ш" * 150)
    long_link = create_link(account, customer["id"], title="Ü" * 200)
    # A file name of 176 letters without a space: the file table keeps its columns.
    sent = upload(account.client, long_link, ("Ш" * 176 + ".pdf", pdf_bytes(2_000)))
    assert sent.status_code == 201, sent.text
    staff = browser.new_context(viewport=LAPTOP, locale="de-DE")
    page = staff.new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/customers")

    def fits(selector: str) -> None:
        wide = page.evaluate(
            """s => [...document.querySelectorAll(s)]
                   .filter(e => e.scrollWidth > e.clientWidth + 1)
                   .map(e => e.tagName + '.' + e.className)""",
            selector,
        )
        assert wide == [], wide
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    fits(".table-wrap")
    expect(page.locator("#customer-table thead")).to_contain_text("Letzter Upload")
    assert page.locator("#customer-table tbody .customer-number").first.is_visible()
    page.goto(f"{base_url}/customers/{customer['id']}")
    fits("h1, .timeline, .link-card, .card, .panel, .table-wrap")
    expect(page.locator("#received-files thead")).to_contain_text("Prüfung")
    assert_accessible(page)
    staff.close()
