"""Expired and revoked links stay on the customer's page, listed apart; staff extend an
active link and reactivate a revoked one there, and the client's page opens again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import LAPTOP, signed_in
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.uploads import create_link

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def german(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def test_staff_extend_and_reactivate_links_on_the_customer_page(
    account: Account, services: Services, browser: Browser
) -> None:
    base_url = services.settings.base_url
    customer = account.create_customer("Jürgen Müller", email="juergen@example.com")
    # Made a minute ago, valid for 30 s: expired now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    with made_at(services, a_minute_ago):
        expiry = a_minute_ago + timedelta(seconds=30)
        create_link(account, customer["id"], title="Kündigung", expires_at=expiry.isoformat())
    active = create_link(account, customer["id"], title="Belege 2025")
    revoked = create_link(account, customer["id"], title="Steuer 2024 – Straße")
    assert account.post(f"/api/v1/links/{revoked['id']}/revoke").status_code == 200

    page = browser.new_context(viewport=LAPTOP, locale="de-DE").new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/customers/{customer['id']}")
    expect(page.locator("#links .link-card")).to_have_count(1)
    closed = page.locator("#closed-links")
    expect(closed.locator("h2")).to_contain_text("Abgelaufene und widerrufene Links")
    expect(closed.locator(".link-card")).to_have_count(2)
    expect(closed.locator(".link-card", has_text="Kündigung")).to_contain_text("abgelaufen am")
    expect(closed.locator(".link-card", has_text="Straße").locator(".badge")).to_have_text(
        "widerrufen"
    )
    closed.locator(".link-card", has_text="Straße").locator("summary").click()
    active_card = page.locator(f"#link-{active['id']}")
    active_card.locator("summary", has_text="Verlängern").click()
    assert_accessible(page)

    # Extend: a date before the current expiry is refused beside the field, then a later one.
    field = active_card.get_by_label("Gültig bis (neu)")
    field.fill((datetime.now(UTC) + timedelta(days=5)).date().isoformat())
    active_card.get_by_role("button", name="Verlängern").click()
    error = page.locator(f"#link-{active['id']} .field-error")
    expect(error).to_have_text("Muss nach dem bisherigen Ablaufdatum liegen.")
    assert_accessible(page)
    new_day = (datetime.now(UTC) + timedelta(days=90)).date()
    page.locator(f"#link-{active['id']}").get_by_label("Gültig bis (neu)").fill(new_day.isoformat())
    page.locator(f"#link-{active['id']}").get_by_role("button", name="Verlängern").click()
    expect(page.locator(".notice")).to_have_text("Upload-Link verlängert.")
    expect(page.locator(f"#link-{active['id']} .meta")).to_contain_text(
        f"gültig bis {german(new_day)}"
    )

    # Reactivate the revoked link: it is active again, the client's page opens.
    card = page.locator("#closed-links .link-card", has_text="Straße")
    card.locator("summary", has_text="Reaktivieren").click()
    until = (datetime.now(UTC) + timedelta(days=14)).date()
    card.get_by_label("Wieder gültig bis").fill(until.isoformat())
    card.get_by_role("button", name="Reaktivieren").click()
    expect(page.locator(".notice")).to_have_text(
        "Upload-Link reaktiviert; der Kunde kann wieder hochladen."
    )
    expect(page.locator("#links .link-card")).to_have_count(2)
    expect(page.locator("#closed-links .link-card")).to_have_count(1)
    expect(page.locator("#activity")).to_contain_text("reaktiviert")
    page.context.close()

    client = browser.new_page(locale="de-DE")
    client.goto(revoked["url"])
    expect(client.locator("h1")).to_have_text("Steuer 2024 – Straße")
    expect(client.locator(".limits")).to_contain_text(f"gültig bis {german(until)}, 23:59")
    client.close()
