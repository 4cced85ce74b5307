"""The template pages and the reminder schedule on the settings page, over HTTP: no
JavaScript needed (rows added by a post, removed by a box), problems at their row,
German and English, and another organisation's templates out of reach."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account
from tests.support.uploads import create_link


def templates(account: Account) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in account.get("/api/v1/templates").json()["items"]}


def form_of(page: httpx.Response) -> dict[str, str]:
    """The values a browser would post from the template form as shown."""
    html = page.text
    values = {"csrf_token": csrf_token_of(page)}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        if not name.startswith("remove_"):
            values[name] = value.replace("&amp;", "&").replace("&#34;", '"')
    return values


def test_staff_create_edit_and_delete_a_template_without_javascript(
    account: Account, base_url: str
) -> None:
    with signed_in(base_url, account.email) as browser:
        listed = browser.get("/settings/templates")
        assert listed.status_code == 200
        assert "Einkommensteuer 2025" in listed.text and "Vorlagen für Unterlagen" in listed.text
        empty = browser.get("/settings/templates/new")
        assert empty.status_code == 200
        form = form_of(empty)
        assert form["rows"] == "3"
        # More rows: the form comes back with what was typed and more empty rows.
        form.update(
            name="Kündigung – 2024", label_0="Müller.pdf", hint_0="Straße 🏠", action="more"
        )
        more = browser.post("/settings/templates/new", data=form)
        assert more.status_code == 200
        form = form_of(more)
        assert form["rows"] == "6" and form["label_0"] == "Müller.pdf"
        # A control character in the second document: named at that row, nothing saved.
        form.update(label_1="Kontoauszüge\u0007", label_2="Arbeitsvertrag", action="save")
        refused = browser.post("/settings/templates/new", data=form)
        assert refused.status_code == 422
        row = re.search(r'<li class="item-row[^"]*" id="row-1">(.*?)</li>', refused.text, re.S)
        assert row and "Steuerzeichen" in row.group(1), refused.text[refused.text.find("<main") :][
            :1500
        ]
        assert 'id="label-1" name="label_1"' in row.group(1) and 'aria-invalid="true"' in row.group(
            1
        )
        assert "Kündigung – 2024" not in templates(account)
        # Fixed, and the empty row and a removed row are left out.
        form = form_of(refused)
        form.update(label_1="Kontoauszüge", remove_2="1", action="save")
        saved = browser.post("/settings/templates/new", data=form)
        assert saved.status_code == 303 and saved.headers["location"].startswith(
            "/settings/templates?done=template_saved"
        )
        made = templates(account)["Kündigung – 2024"]
        assert [(i["label"], i["hint"]) for i in made["items"]] == [
            ("Müller.pdf", "Straße 🏠"),
            ("Kontoauszüge", None),
        ]
        # Edit: its rows are shown; rename and drop the first.
        page = browser.get(f"/settings/templates/{made['id']}")
        assert "Müller.pdf" in page.text
        form = form_of(page)
        form.update(name="Kündigung", remove_0="1", action="save")
        assert browser.post(f"/settings/templates/{made['id']}", data=form).status_code == 303
        changed = templates(account)["Kündigung"]
        assert [i["label"] for i in changed["items"]] == ["Kontoauszüge"]
        # Delete.
        token = csrf_token_of(browser.get("/settings/templates"))
        gone = browser.post(f"/settings/templates/{made['id']}/delete", data={"csrf_token": token})
        assert gone.status_code == 303
        assert "Kündigung" not in templates(account)

    with signed_in(base_url, account.email, **{"Accept-Language": "en"}) as browser:
        english = browser.get("/settings/templates/new")
        assert "Requested documents" in english.text and "More rows" in english.text


def test_another_organisations_templates_are_out_of_reach(
    account: Account, other_account: Account, base_url: str
) -> None:
    mine = account.post(
        "/api/v1/templates", json={"name": "Geheim", "items": [{"label": "Ausweis"}]}
    )
    template_id = mine.json()["id"]
    with signed_in(base_url, other_account.email) as browser:
        assert browser.get(f"/settings/templates/{template_id}").status_code == 404
        assert "Geheim" not in browser.get("/settings/templates").text
        token = csrf_token_of(browser.get("/settings/templates"))
        changed = browser.post(
            f"/settings/templates/{template_id}",
            data={"csrf_token": token, "name": "Übernommen", "rows": "0", "action": "save"},
        )
        assert changed.status_code == 404
        deleted = browser.post(
            f"/settings/templates/{template_id}/delete", data={"csrf_token": token}
        )
        assert deleted.status_code == 404
        missing = browser.get(f"/settings/templates/{uuid.uuid4()}")
        assert missing.status_code == 404
    assert [t["name"] for t in account.get("/api/v1/templates").json()["items"]].count(
        "Geheim"
    ) == 1


def test_the_reminder_schedule_on_the_settings_page(account: Account, base_url: str) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings")
        assert "Automatische Erinnerungen" in page.text and 'value="7, 2"' in page.text
        token = csrf_token_of(page)
        bad = browser.post(
            "/settings/reminders",
            data={
                "csrf_token": token,
                "enabled": "1",
                "days_before": "7, sieben",
                "every_days_after": "3",
                "max_count": "50",
            },
        )
        assert bad.status_code == 422
        assert "Ganze Tage von 1 bis 365" in bad.text and "7, sieben" in bad.text
        assert "Eine ganze Zahl von 1 bis 20." in bad.text
        off = browser.post(
            "/settings/reminders",
            data={
                "csrf_token": token,
                "days_before": "10, 3",
                "every_days_after": "0",
                "max_count": "2",
            },
        )
        assert off.status_code == 303
    assert account.get("/api/v1/organization").json()["reminder_schedule"] == {
        "enabled": False,
        "days_before": [10, 3],
        "every_days_after": 0,
        "max_count": 2,
    }


# Reading a form's day happens before any store is reached: one backend suffices.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_day_that_is_no_date_is_refused_at_its_field_on_every_link_form(
    account: Account, base_url: str
) -> None:
    customer = account.create_customer("Jürgen Straße")
    link = create_link(account, customer["id"])
    before = account.get(f"/api/v1/links/{link['id']}").json()
    with signed_in(base_url, account.email) as browser:
        token = csrf_token_of(browser.get(f"/customers/{customer['id']}"))
        for url, name, typed in (
            (f"/customers/{customer['id']}/links/new", "due_at", "morgen"),
            (f"/customers/{customer['id']}/links/new", "expires_at", "31.02.2026"),
            (f"/links/{link['id']}/extend", "expires_at", "2026-02-30"),
            (f"/links/{link['id']}/reminders", "due_at", "morgen"),
        ):
            refused = browser.post(url, data={"csrf_token": token, name: typed, "mode": "off"})
            assert refused.status_code == 422, (url, name)
            assert "Kein gültiges Datum." in refused.text, (url, name)
            assert f'value="{typed}"' in refused.text, (url, name)  # kept in its field
    assert account.get(f"/api/v1/links/{link['id']}").json() == before
    assert len(account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]) == 1


def test_staff_change_a_links_due_date_and_schedule_on_the_customer_page(
    account: Account, other_account: Account, base_url: str
) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    link = create_link(account, customer["id"], requested_items=["Mietvertrag"])
    later = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/customers/{customer['id']}")
        assert "Fälligkeitsdatum ändern" in page.text and "Keine weitere Erinnerung" in page.text
        token = csrf_token_of(page)
        url = f"/links/{link['id']}/reminders"
        bad = browser.post(
            url,
            data={
                "csrf_token": token,
                "due_at": later,
                "mode": "own",
                "days_before": "3, 3",
                "every_days_after": "2",
                "max_count": "0",
            },
        )
        assert bad.status_code == 422
        assert "jeder nur einmal" in bad.text and "Eine ganze Zahl von 1 bis 20." in bad.text
        assert account.get(f"/api/v1/links/{link['id']}").json()["due_at"] is None
        past = browser.post(url, data={"csrf_token": token, "due_at": "2001-01-01", "mode": "off"})
        assert past.status_code == 422
        good = browser.post(
            url,
            data={
                "csrf_token": token,
                "due_at": later,
                "mode": "own",
                "days_before": "3",
                "every_days_after": "2",
                "max_count": "4",
            },
        )
        assert good.status_code == 303, good.text[-2000:]
        shown = browser.get(f"/customers/{customer['id']}").text
        assert "Nächste Erinnerung:" in shown
        german_day = datetime.fromisoformat(later).strftime("%d.%m.%Y")
        assert f'<span class="due-date">Fällig bis {german_day}</span>' in shown
    saved = account.get(f"/api/v1/links/{link['id']}").json()
    # The end of that day in Berlin: the same date, or the day before in UTC.
    due = datetime.fromisoformat(saved["due_at"])
    assert due.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat() == later
    assert saved["reminders"]["own_schedule"] is True
    assert saved["reminders"]["schedule"] == {
        "days_before": [3],
        "every_days_after": 2,
        "max_count": 4,
    }
    # Another organisation can neither change it nor learn of it.
    with signed_in(base_url, other_account.email) as browser:
        token = csrf_token_of(browser.get("/customers"))
        refused = browser.post(
            f"/links/{link['id']}/reminders", data={"csrf_token": token, "mode": "off"}
        )
        assert refused.status_code == 404
    assert account.get(f"/api/v1/links/{link['id']}").json()["reminders"]["enabled"] is True
