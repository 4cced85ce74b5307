"""Staff keep their templates and the reminder schedule in a real browser: a template
made with more rows than offered, a problem shown at its row, the settings page's
reminder form; axe-core finds nothing on any of these pages (on the settings page
itself in test_invitations.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import Account
from tests.support.uploads import create_link

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def test_templates_and_reminders_in_the_settings(
    account: Account, base_url: str, browser: Browser
) -> None:
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    signed_in(page, base_url, account.email)
    page.goto(f"{base_url}/settings")
    expect(page.locator("#reminders-form #reminder-days-before")).to_have_value("7, 2")
    # axe over the settings page: test_invitations.py (the owner's, reminders and all).
    page.get_by_role("link", name="Vorlagen verwalten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vorlagen für Unterlagen")
    assert_accessible(page)
    page.get_by_role("link", name="Neue Vorlage").click()
    page.fill("#template-name", "Mieterselbstauskunft Müller")
    for row, label in enumerate(["Personalausweis", "Gehaltsnachweise", "Schufa-Auskunft"]):
        page.fill(f"#label-{row}", label)
    # More documents than rows: "Weitere Zeilen" posts the form (no script needed,
    # tests/e2e/test_template_pages.py drives it without one).
    page.get_by_role("button", name="Weitere Zeilen").click()
    expect(page.locator("#label-0")).to_have_value("Personalausweis")
    page.fill("#label-3", "Mietschuldenfreiheit\u0007")
    page.fill("#hint-3", "Vom bisherigen Vermieter – Straße 🏠")
    page.get_by_role("button", name="Vorlage speichern").click()
    error = page.locator("#label-3-error")
    expect(error).to_have_text("Enthält unzulässige Steuerzeichen.")
    expect(page.locator("#label-3")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.fill("#label-3", "Mietschuldenfreiheitsbescheinigung")
    page.check("input[name=remove_1]")
    page.get_by_role("button", name="Vorlage speichern").click()
    expect(page).to_have_url(re.compile(r"/settings/templates\?done=template_saved"))
    expect(page.locator("p.notice")).to_have_text("Die Vorlage wurde gespeichert.")

    # A link's due date and reminders on the customer page: its own schedule, a problem
    # shown at its field.
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    link = create_link(account, customer["id"], requested_items=["Mietvertrag"])
    page.goto(f"{base_url}/customers/{customer['id']}")
    page.locator(f"#link-{link['id']} details.reminders summary").click()
    page.fill(f"#due-{link['id']}", (date.today() + timedelta(days=20)).isoformat())
    page.check(f"#link-{link['id']} input[name=mode][value=own]")
    page.fill(f"#days-before-{link['id']}", "5, fünf")
    page.get_by_role("button", name="Erinnerungen für diesen Link speichern").click()
    expect(page.locator(f"#days-before-{link['id']}-error")).to_contain_text("Ganze Tage")
    assert_accessible(page)
    page.fill(f"#days-before-{link['id']}", "5, 1")
    page.get_by_role("button", name="Erinnerungen für diesen Link speichern").click()
    expect(page.locator(f"#next-reminder-{link['id']}")).to_contain_text("Nächste Erinnerung:")
    context.close()
    reminders = account.get(f"/api/v1/links/{link['id']}").json()["reminders"]
    assert reminders["own_schedule"] is True and reminders["schedule"]["days_before"] == [5, 1]

    [made] = [
        t
        for t in account.get("/api/v1/templates").json()["items"]
        if t["name"] == "Mieterselbstauskunft Müller"
    ]
    assert [(i["label"], i["hint"]) for i in made["items"]] == [
        ("Personalausweis", None),
        ("Schufa-Auskunft", None),
        ("Mietschuldenfreiheitsbescheinigung", "Vom bisherigen Vermieter – Straße 🏠"),
    ]
