"""The client's pages in the organisation's branding: the upload page with its logo, accent
colour and due date, then the download page, then the settings where staff set it (a pale
colour refused in words), each without an axe-core violation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import Account
from tests.support.images import jpeg_with_exif
from tests.support.uploads import create_link, pdf_bytes

ACCENT_RGB = "rgb(122, 31, 61)"  # #7a1f3d


def test_the_client_page_shows_logo_colour_and_due_date(
    account: Account, base_url: str, browser: Browser
) -> None:
    branded = account.put("/api/v1/organization/branding", json={"accent_color": "#7A1F3D"})
    assert branded.status_code == 200, branded.text
    logo = account.put(
        "/api/v1/organization/branding/logo",
        files={"file": ("Logo Müller.jpg", jpeg_with_exif(1200, 400), "image/jpeg")},
    )
    assert logo.status_code == 200, logo.text
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

    image = page.locator("img.brand-logo")
    expect(image).to_have_attribute("alt", "Kanzlei Test")
    expect(image).to_have_attribute("src", urlsplit(logo.json()["logo"]["url"]).path)
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    # The logo was turned upright by its EXIF orientation: taller than wide.
    box = image.bounding_box()
    assert box is not None and box["height"] > box["width"]
    button = page.locator("button[type=submit]").last
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == ACCENT_RGB
    assert button.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    expect(page.locator(".due")).to_have_text(
        f"Bitte senden Sie Ihre Unterlagen bis zum {local:%d.%m.%Y}."
    )
    assert_accessible(page)

    sent = account.post(
        f"/api/v1/customers/{customer['id']}/sent-files",
        files={"file": ("Bescheid 2024 – Müller.pdf", pdf_bytes(2_000), "application/pdf")},
    )
    assert sent.status_code == 201, sent.text
    page.goto(sent.json()["download_url"])
    expect(page.locator("img.brand-logo")).to_be_visible()
    assert page.locator("a.button").evaluate("a => getComputedStyle(a).backgroundColor") == (
        ACCENT_RGB
    )
    assert_accessible(page)
    context.close()

    # Where staff set it: the settings show the logo, and refuse a pale colour in words.
    staff = browser.new_context(locale="de-DE").new_page()
    signed_in(staff, base_url, account.email)
    staff.goto(f"{base_url}/settings#branding")
    expect(staff.locator("#branding img.brand-preview")).to_be_visible()
    staff.locator("#brand-accent").fill("#FFCC00")
    staff.locator("#branding-form button[type=submit]").click()
    expect(staff.locator("#brand-accent-error")).to_contain_text("Kontrast von 1,51 : 1")
    expect(staff.locator("#brand-accent")).to_have_value("#FFCC00")
    assert_accessible(staff)
    staff.context.close()
