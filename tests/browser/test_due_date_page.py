"""The client's upload page shows the due date in the organisation's words and time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.uploads import create_link


def test_the_client_page_shows_the_due_date(account: Account, browser: Browser) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    due = datetime.now(UTC) + timedelta(days=9)
    link = create_link(
        account,
        customer["id"],
        title="Einkommensteuer 2025",
        requested_items=["Lohnsteuerbescheinigung 2025", "Kündigung – 2024"],
        due_at=due.isoformat(),
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE")
    page = context.new_page()
    page.goto(link["url"])
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    expect(page.locator(".due")).to_have_text(
        f"Bitte senden Sie Ihre Unterlagen bis zum {local:%d.%m.%Y}."
    )
    assert_accessible(page)
    page.goto(link["url"] + "?lang=en")
    expect(page.locator(".due")).to_contain_text("Please send your documents by")
    context.close()


def test_no_due_date_no_line(account: Account, browser: Browser) -> None:
    customer = account.create_customer("Ayşe Yılmaz")
    link = create_link(account, customer["id"])
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    page.goto(link["url"])
    expect(page.locator(".limits")).to_contain_text("gültig bis")
    expect(page.locator(".due")).to_have_count(0)
    context.close()


def test_staff_see_overdue_customers_marked_and_filter_them(
    account: Account, services: Services, base_url: str, browser: Browser
) -> None:
    late = account.create_customer("Jürgen Straße", email="juergen@example.com")
    account.create_customer("Ayşe Yılmaz", email="ayse@example.com")
    # Made a minute ago, due 30 s later: overdue now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    with made_at(services, a_minute_ago):
        due = a_minute_ago + timedelta(seconds=30)
        create_link(
            account, late["id"], requested_items=["Kündigung – 2024"], due_at=due.isoformat()
        )
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/customers")
    rows = page.locator("#customer-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-overdue]")).to_have_count(1)
    expect(rows.filter(has=page.locator("[data-overdue]"))).to_contain_text("Jürgen Straße")
    tab = page.locator('a[data-status="overdue"]')
    expect(tab).to_contain_text("Überfällig")
    expect(tab.locator(".count")).to_have_text("1")
    tab.click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Jürgen Straße")
    assert_accessible(page)
    context.close()
