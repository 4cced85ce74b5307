"""Staff make a link from a template in a real browser: its documents copied, edited before
saving, a due date set; the client page then lists them with their hints and the due date."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import Account


def test_a_link_created_from_a_template(
    account: Account, base_url: str, browser: Browser, http: httpx.Client
) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/customers/{customer['id']}/links/new")
    page.select_option("#template", label="Einkommensteuer 2025")
    page.get_by_role("button", name="Vorlage übernehmen").click()
    items = page.locator("#requested_items")
    expect(items).to_have_value(
        "Lohnsteuerbescheinigung 2025\nSpendenquittungen\n"
        "Kontoauszüge mit Zinsen und Kapitalerträgen\nBelege über Handwerkerleistungen\n"
        "Nachweise zur Kranken- und Pflegeversicherung"
    )
    assert_accessible(page)
    # Still editable: two documents kept, one of the office's own added.
    items.fill("Lohnsteuerbescheinigung 2025\nSpendenquittungen\nKündigung – 2024")
    due = (datetime.now(UTC) + timedelta(days=10)).date()
    page.fill("#due_at", due.isoformat())
    page.get_by_role("button", name="Link erstellen").click()
    expect(page).to_have_url(re.compile(r"/links/[0-9a-f-]{36}"))
    link_id = page.url.rsplit("/", 1)[1].split("?")[0]

    link = account.get(f"/api/v1/links/{link_id}").json()
    templates = account.get("/api/v1/templates").json()["items"]
    [tax] = [t for t in templates if t["name"] == "Einkommensteuer 2025"]
    assert link["template_id"] == tax["id"]
    assert [(i["label"], i["hint"]) for i in link["requested_items"]] == [
        ("Lohnsteuerbescheinigung 2025", "Vom Arbeitgeber, meist im Februar erhalten."),
        ("Spendenquittungen", "Zuwendungsbestätigungen; bis 300 € genügt der Kontoauszug."),
        ("Kündigung – 2024", None),
    ]
    assert link["due_at"].startswith(due.isoformat())
    assert link["reminders"]["enabled"] is True

    client = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    client_page = client.new_page()
    client_page.goto(link["url"])
    expect(client_page.locator("#items li")).to_have_count(3)
    expect(client_page.locator("#items .hint").first).to_have_text(
        "Vom Arbeitgeber, meist im Februar erhalten."
    )
    expect(client_page.locator(".due")).to_contain_text(due.strftime("%d.%m.%Y"))
    assert_accessible(client_page)
    client.close()
    context.close()
