"""Invitations that open: from the mail's link to signed in; open invitations in the settings
(send again, withdraw); used, withdrawn and unknown links in German and English; axe over each."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import LAPTOP, screenshot, signed_in
from tests.support.api import PASSWORD, Account
from tests.support.team import invitation_token, outbox, text_of

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def invitation_mail_link(services: Services, address: str) -> str:
    mails = [m for m in outbox(services.settings.data_dir) if m["To"] == address]
    assert mails, f"no invitation mail to {address}"
    text = text_of(mails[-1])
    assert "(Rolle: Mitglied)" in text
    return f"{services.settings.base_url}/invitations/{invitation_token(mails[-1])}"


def test_an_invitation_is_accepted_from_the_mails_link(
    account: Account, services: Services, browser: Browser
) -> None:
    address = f"jörg-{uuid.uuid4().hex[:6]}@example.com".replace("ö", "o")
    assert (
        account.post("/api/v1/invitations", json={"email": address, "role": "member"}).status_code
        == 201
    )
    link = invitation_mail_link(services, address)

    page = browser.new_context(viewport=LAPTOP, locale="de-DE").new_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Einladung ins Team")
    expect(page.locator("main")).to_contain_text(
        "Kanzlei Test lädt Sie in das Team ein (Rolle: Mitglied)."
    )
    expect(page.locator("main")).to_contain_text(address)
    # A visitor sees no navigation and no sign-out.
    expect(page.locator(".main-nav")).to_have_count(0)
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "invitation.png")

    page.get_by_label("Ihr Name").fill("Jörg Straße 🙂")
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_label("Passwort wiederholen").fill("something else entirely")
    page.get_by_role("button", name="Einladung annehmen").click()
    expect(page.locator("#password_repeat-error, .field-error")).to_contain_text(
        "Die beiden Passwörter stimmen nicht überein."
    )
    assert_accessible(page)
    page.get_by_label("Passwort", exact=False).first.fill(PASSWORD)
    page.get_by_label("Passwort wiederholen").fill(PASSWORD)
    page.get_by_role("button", name="Einladung annehmen").click()
    expect(page).to_have_url(f"{services.settings.base_url}/customers?done=joined")
    expect(page.locator(".notice")).to_have_text("Willkommen im Team! Sie sind angemeldet.")
    expect(page.locator(".me")).to_have_text("Jörg Straße 🙂")
    assert_accessible(page)
    # On a phone the members' table scrolls; a member has no control in it, so the
    # scrolling region itself takes the keyboard (axe: scrollable-region-focusable).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{services.settings.base_url}/settings")
    assert_accessible(page)

    # Used once: the same link now says so, in German and in English.
    visitor = browser.new_context(locale="de-DE").new_page()
    visitor.goto(link)
    expect(visitor.locator(".alert")).to_have_text("Diese Einladung wurde schon angenommen.")
    assert_accessible(visitor)
    visitor.goto(link + "?lang=en")
    expect(visitor.locator(".alert")).to_have_text("This invitation has already been accepted.")
    visitor.goto(services.settings.base_url + "/invitations/inv_doesnotexist")
    expect(visitor.locator(".alert")).to_contain_text("Diese Einladung gibt es nicht.")
    visitor.context.close()
    page.context.close()

    members = account.get("/api/v1/members").json()["items"]
    assert any(m["email"] == address and m["role"] == "member" for m in members)
    # Accepted: no longer listed as open.
    assert account.get("/api/v1/invitations").json()["items"] == []


def test_open_invitations_are_sent_again_and_withdrawn_in_the_settings(
    account: Account, services: Services, browser: Browser
) -> None:
    first = f"kim-{uuid.uuid4().hex[:6]}@example.com"
    second = f"ole-{uuid.uuid4().hex[:6]}@example.com"
    for address in (first, second):
        response = account.post("/api/v1/invitations", json={"email": address, "role": "member"})
        assert response.status_code == 201
    old_link = invitation_mail_link(services, first)
    second_link = invitation_mail_link(services, second)

    page = browser.new_context(viewport=LAPTOP, locale="de-DE").new_page()
    signed_in(page, services.settings.base_url, account.email)
    page.goto(f"{services.settings.base_url}/settings")
    rows = page.locator(".invitation-list li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Mitglied")
    expect(rows.first).to_contain_text("gültig bis")
    assert_accessible(page)
    screenshot(page, "settings.png")

    page.get_by_role("button", name=f"Einladung an {first} erneut senden").click()
    expect(page.locator(".notice")).to_have_text("Einladung erneut gesendet.")
    new_link = invitation_mail_link(services, first)
    assert new_link != old_link
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Einladung an {second} zurücknehmen").click()
    expect(page.locator(".notice")).to_have_text("Einladung zurückgenommen.")
    expect(page.locator(".invitation-list li")).to_have_count(1)
    expect(page.locator(".invitation-list li")).to_contain_text(first)

    visitor = browser.new_context(locale="de-DE").new_page()
    for link in (old_link, second_link):
        visitor.goto(link)
        expect(visitor.locator(".alert")).to_contain_text("Diese Einladung wurde zurückgenommen.")
    visitor.goto(new_link)
    expect(visitor.locator("h1")).to_have_text("Einladung ins Team")
    visitor.context.close()
    page.context.close()
