"""`due_at` and `reminders` on upload links over HTTP, the reminder by hand, and tenancy."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.e2e.test_staff_pages_http import signed_in
from tests.support.api import Account
from tests.support.clock import made_at
from tests.support.team import outbox, text_of
from tests.support.uploads import create_link, pdf_bytes, upload

BERLIN = ZoneInfo("Europe/Berlin")


def link_card(page: str, link_id: str) -> str:
    """The text of one link's card on the customer page, tags left out."""
    start = page.index(f'id="link-{link_id}"')
    return re.sub(r"<[^>]+>", " ", page[start : page.index("</article>", start)])


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_a_link_carries_its_due_date_and_reminder_schedule(account: Account) -> None:
    customer = account.create_customer()
    link = create_link(
        account,
        customer["id"],
        title="Einkommensteuer 2025",
        requested_items=["Lohnsteuerbescheinigung", "Spendenquittungen"],
        due_at=in_days(14),
    )
    assert datetime.fromisoformat(link["due_at"]) > datetime.now(UTC) + timedelta(days=13)
    reminders = link["reminders"]
    assert reminders["enabled"] is True
    assert reminders["schedule"] == {"days_before": [7, 2], "every_days_after": 3, "max_count": 5}
    assert reminders["sent_count"] == 0
    # 7 days before the due date, moved into the window (weekdays 8-18 Berlin).
    next_at = datetime.fromisoformat(reminders["next_at"]).astimezone(BERLIN)
    assert next_at >= datetime.fromisoformat(link["due_at"]) - timedelta(days=7)
    assert next_at.weekday() < 5 and 8 <= next_at.hour < 18

    listed = account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
    assert listed[0]["due_at"] is not None
    assert listed[0]["reminders"]["enabled"] is True

    plain = create_link(account, customer["id"], reminders={"enabled": False})
    assert plain["due_at"] is None
    assert plain["reminders"]["enabled"] is False and plain["reminders"]["next_at"] is None


DUE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"due_at": "2001-01-01T00:00:00Z"}, "due_at"),
    ({"due_at": in_days(20), "expires_at": in_days(10)}, "due_at"),
    ({"due_at": "morgen"}, "due_at"),
    ({"reminders": {"enabled": "ja"}}, "reminders"),
    ({"reminders": {"enabled": True, "every": 3}}, "every"),
]


@pytest.mark.parametrize(("body", "field"), DUE_CASES)
def test_due_date_fields_are_validated(account: Account, body: dict[str, Any], field: str) -> None:
    customer = account.create_customer()
    response = account.post(f"/api/v1/customers/{customer['id']}/links", json=body)
    assert response.status_code == 422, response.text
    assert any(field in name for name in response.json()["error"]["fields"]), response.text
    assert account.get(f"/api/v1/customers/{customer['id']}/links").json()["items"] == []


def test_a_reminder_by_hand(account: Account, other_account: Account, services: Services) -> None:
    # An address of this test's own: the outbox is the whole server's, and a reminder of
    # another link to a shared address (an earlier run's) would count as this one's.
    address = f"juergen.strasse.{uuid.uuid4().hex[:8]}@example.com"
    customer = account.create_customer("Jürgen Straße", email=address)
    link = create_link(account, customer["id"], requested_items=["Kontoauszüge"], due_at=in_days(5))
    # Never sent by e-mail: nobody to remind.
    refused = account.post(f"/api/v1/links/{link['id']}/remind")
    assert refused.status_code == 409, refused.text

    assert account.post(f"/api/v1/links/{link['id']}/send").status_code == 202
    # Another organisation cannot remind this client, nor see the link.
    assert other_account.post(f"/api/v1/links/{link['id']}/remind").status_code == 404
    assert other_account.get(f"/api/v1/links/{link['id']}").status_code == 404

    def sent() -> bool:
        return account.get(f"/api/v1/links/{link['id']}").json()["last_sent_at"] is not None

    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while not sent() and datetime.now(UTC) < deadline:
        time.sleep(0.05)
    assert sent()
    # The link mail names the due date, in the organisation's zone, as the page does.
    due_day = datetime.fromisoformat(link["due_at"]).astimezone(BERLIN).strftime("%d.%m.%Y")
    link_mails = [text_of(m) for m in outbox(services.settings.data_dir, to=address)]
    assert any(f"Bitte senden Sie Ihre Unterlagen bis zum {due_day}." in t for t in link_mails)
    reminded = account.post(f"/api/v1/links/{link['id']}/remind")
    assert reminded.status_code == 202, reminded.text
    assert reminded.json()["reminders"]["sent_count"] == 1
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()
    texts = [item["summary"] for item in activity["items"]]
    assert any(
        t.startswith(f"Erinnerung von Hand an {address} gesendet")
        and "; es fehlen: Kontoauszüge" in t
        for t in texts
    ), texts
    assert any(t.startswith("Upload-Link „ohne Titel“: fällig bis ") for t in texts), texts

    # Sent by a person: the mail says who, and is no automatic mail.
    def reminder_mails() -> list[Any]:
        return [
            m
            for m in outbox(services.settings.data_dir, to=address)
            if str(m["Subject"]).startswith("Erinnerung")
            # This link's reminders only (the Message-ID names link and version).
            and f"<reminder-{link['id']}-" in str(m["Message-ID"])
        ]

    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while not reminder_mails() and datetime.now(UTC) < deadline:
        time.sleep(0.05)
    mails = reminder_mails()
    # Exactly one reminder mail; should a second ever appear, say which (same Message-ID:
    # one job delivered twice; another: a second ReminderSent) and what the link recorded.
    history = account.get(f"/api/v1/customers/{customer['id']}/history").json()["events"]
    assert len(mails) == 1, (
        [(m["Message-ID"], m["Date"]) for m in mails],
        [e["type"] for e in history],
    )
    [mail] = mails
    assert mail["Auto-Submitted"] is None
    assert "automatisch" not in text_of(mail)
    assert f"Diese Erinnerung hat {account.email} von Kanzlei" in text_of(mail)
    assert mail["Reply-To"] == account.email


def test_overdue_customers_are_marked_and_filterable(
    account: Account,
    other_account: Account,
    http: httpx.Client,
    base_url: str,
    services: Services,
) -> None:
    late = account.create_customer("Jürgen Straße", email="juergen@example.com")
    on_time = account.create_customer("Ayşe Yılmaz 🌷", email="ayse@example.com")
    other = other_account.create_customer("Fremd GmbH")
    # Made a minute ago, due 30 s later: overdue now, without waiting for it.
    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1)
    due = (a_minute_ago + timedelta(seconds=30)).isoformat()
    with made_at(services, a_minute_ago):
        link = create_link(account, late["id"], requested_items=["Kündigung – 2024"], due_at=due)
        create_link(other_account, other["id"], due_at=due)
    create_link(account, on_time["id"], requested_items=["Mietvertrag"], due_at=in_days(10))

    listed = {c["name"]: c["overdue"] for c in account.get("/api/v1/customers").json()["items"]}
    assert listed == {"Jürgen Straße": True, "Ayşe Yılmaz 🌷": False}
    filtered = account.get("/api/v1/customers", params={"overdue": "true"}).json()
    assert [c["name"] for c in filtered["items"]] == ["Jürgen Straße"] and filtered["total"] == 1
    assert account.get(f"/api/v1/customers/{late['id']}").json()["overdue"] is True
    # Another organisation's overdue customers stay its own.
    theirs = other_account.get("/api/v1/customers", params={"overdue": "true"}).json()["items"]
    assert [c["name"] for c in theirs] == ["Fremd GmbH"]
    assert other_account.get(f"/api/v1/customers/{late['id']}").status_code == 404
    # The customer's page says which link is overdue, and every link's due date on its card.
    with signed_in(base_url, account.email) as browser:
        card = link_card(browser.get(f"/customers/{late['id']}").text, link["id"])
        day = datetime.fromisoformat(link["due_at"]).astimezone(BERLIN).strftime("%d.%m.%Y")
        assert f"Fällig bis {day}" in card and "Überfällig" in card, card
        page = browser.get(f"/customers/{on_time['id']}").text
        assert "Fällig bis " in page and "Überfällig" not in page

    # The missing document arrives: no longer overdue.
    [item] = link["requested_items"]
    sent = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes()), data={"item_id": item["id"]})
    assert sent.status_code == 201, sent.text
    assert account.get("/api/v1/customers", params={"overdue": "true"}).json()["items"] == []
    with signed_in(base_url, account.email) as browser:
        card = link_card(browser.get(f"/customers/{late['id']}").text, link["id"])
        assert "Fällig bis" in card and "Überfällig" not in card, card
    bad = account.get("/api/v1/customers", params={"overdue": "vielleicht"})
    assert bad.status_code in (400, 422) and "overdue" in bad.text


def test_staff_switch_reminders_per_link(account: Account, other_account: Account) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    link = create_link(account, customer["id"], due_at=in_days(5))
    assert link["reminders"]["next_at"] is not None
    off = account.put(f"/api/v1/links/{link['id']}/reminders", json={"enabled": False})
    assert off.status_code == 200 and off.json()["reminders"]["enabled"] is False
    assert off.json()["reminders"]["next_at"] is None
    bad = account.put(f"/api/v1/links/{link['id']}/reminders", json={"enabled": "ja"})
    assert bad.status_code == 422 and "enabled" in bad.text
    # Another organisation changes nothing.
    assert (
        other_account.put(
            f"/api/v1/links/{link['id']}/reminders", json={"enabled": True}
        ).status_code
        == 404
    )
    assert account.get(f"/api/v1/links/{link['id']}").json()["reminders"]["enabled"] is False


def test_the_organisation_sets_its_reminder_schedule(
    account: Account, other_account: Account, base_url: str
) -> None:
    organization = account.get("/api/v1/organization").json()
    assert organization["reminder_schedule"] == {
        "enabled": True,
        "days_before": [7, 2],
        "every_days_after": 3,
        "max_count": 5,
    }
    changed = account.patch(
        "/api/v1/organization",
        json={"reminder_schedule": {"days_before": [10, 3, 1], "max_count": 4}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["reminder_schedule"] == {
        "enabled": True,
        "days_before": [10, 3, 1],
        "every_days_after": 3,
        "max_count": 4,
    }
    customer = account.create_customer("Jürgen Straße", email="juergen@example.com")
    link = create_link(account, customer["id"], due_at=in_days(20))
    assert link["reminders"]["schedule"] == {
        "days_before": [10, 3, 1],
        "every_days_after": 3,
        "max_count": 4,
    }
    assert link["reminders"]["own_schedule"] is False
    # The new-link form's switch names the schedule in force, not the default.
    form_page = f"/customers/{customer['id']}/links/new"
    with signed_in(base_url, account.email) as browser:
        form = browser.get(form_page).text
    assert "10, 3 und 1 Tage vor dem Fälligkeitsdatum, danach alle 3 Tage, höchstens 4" in form
    assert "7 und 2 Tage" not in form
    # Off: links without their own schedule have no next reminder.
    off = account.patch("/api/v1/organization", json={"reminder_schedule": {"enabled": False}})
    assert off.json()["reminder_schedule"]["enabled"] is False
    assert off.json()["reminder_schedule"]["days_before"] == [10, 3, 1]
    assert account.get(f"/api/v1/links/{link['id']}").json()["reminders"]["next_at"] is None
    # The form then offers no switch that would do nothing, and says where to turn them on.
    with signed_in(base_url, account.email) as browser:
        form = browser.get(form_page).text
    assert 'type="checkbox" name="reminders"' not in form
    assert "Automatische Erinnerungen sind in den Einstellungen ausgeschaltet." in form
    # Another organisation keeps the default.
    theirs = other_account.get("/api/v1/organization").json()["reminder_schedule"]
    assert theirs["enabled"] is True and theirs["days_before"] == [7, 2]


SCHEDULE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"days_before": [0]}, "reminder_schedule.days_before"),
    ({"days_before": [7, 7]}, "reminder_schedule.days_before"),
    ({"days_before": [400]}, "reminder_schedule.days_before"),
    ({"days_before": list(range(1, 23))}, "reminder_schedule.days_before"),
    ({"every_days_after": -1}, "reminder_schedule.every_days_after"),
    ({"max_count": 0}, "reminder_schedule.max_count"),
    ({"max_count": 21}, "reminder_schedule.max_count"),
    # Wrong types and unknown parts are refused by the body's shape, named by their path.
    ({"enabled": "ja"}, "reminder_schedule.enabled"),
    ({"weekly": True}, "reminder_schedule.weekly"),
]


@pytest.mark.parametrize(("schedule", "field"), SCHEDULE_CASES)
def test_the_organisations_schedule_is_validated(
    account: Account, schedule: dict[str, Any], field: str
) -> None:
    response = account.patch("/api/v1/organization", json={"reminder_schedule": schedule})
    assert response.status_code in (400, 422), response.text
    assert any(field in name for name in response.json()["error"]["fields"]), response.text
    kept = account.get("/api/v1/organization").json()["reminder_schedule"]
    assert kept["days_before"] == [7, 2] and kept["max_count"] == 5


def test_staff_change_a_links_due_date_and_schedule(
    account: Account, other_account: Account
) -> None:
    customer = account.create_customer("Ayşe Yılmaz 🌷", email="ayse@example.com")
    link = create_link(account, customer["id"], requested_items=["Mietvertrag"], due_at=in_days(5))
    url = f"/api/v1/links/{link['id']}"
    later = in_days(20)
    moved = account.patch(url, json={"due_at": later})
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["due_at"]) == datetime.fromisoformat(later)
    next_at = datetime.fromisoformat(moved.json()["reminders"]["next_at"])
    assert next_at >= datetime.fromisoformat(later) - timedelta(days=7)

    own = account.patch(
        url, json={"reminders": {"schedule": {"days_before": [1], "every_days_after": 1}}}
    )
    assert own.status_code == 200, own.text
    reminders = own.json()["reminders"]
    assert reminders["own_schedule"] is True
    assert reminders["schedule"] == {"days_before": [1], "every_days_after": 1, "max_count": 5}
    assert datetime.fromisoformat(reminders["next_at"]) >= datetime.fromisoformat(
        later
    ) - timedelta(days=1, hours=1)
    back = account.patch(url, json={"reminders": {"schedule": None, "enabled": False}})
    assert back.json()["reminders"]["own_schedule"] is False
    assert back.json()["reminders"]["enabled"] is False
    cleared = account.patch(url, json={"due_at": None})
    assert cleared.json()["due_at"] is None

    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()
    texts = [item["summary"] for item in activity["items"]]
    assert any(
        "Erinnerungen 1 Tag vor dem Fälligkeitsdatum, danach täglich, höchstens 5" in t
        for t in texts
    ), texts
    # Organisations are not all law offices: the staff pages say "Organisation", "Kunde".
    assert any("Erinnerungen nach dem Plan der Organisation" in t for t in texts), texts

    # Bad values: 422 naming the field, nothing changed.
    for body, field in (
        ({"due_at": "2001-01-01T00:00:00Z"}, "due_at"),
        ({"due_at": in_days(400)}, "due_at"),
        ({"reminders": {"schedule": {"max_count": 0}}}, "reminders.schedule.max_count"),
        ({"reminders": {"schedule": {"days_before": ["7"]}}}, "reminders.schedule.days_before"),
        ({"reminders": {"enabled": "ja"}}, "reminders.enabled"),
        ({"title": "neu"}, "title"),
    ):
        refused = account.patch(url, json=body)
        assert refused.status_code in (400, 422), refused.text
        assert any(field in name for name in refused.json()["error"]["fields"]), refused.text
    assert account.get(url).json()["due_at"] is None

    # Another organisation can neither change nor see it.
    assert other_account.patch(url, json={"due_at": in_days(3)}).status_code == 404
    assert account.get(url).json()["due_at"] is None


def test_next_at_is_inside_the_window_of_the_organisations_time_zone(account: Account) -> None:
    zone = ZoneInfo("America/New_York")
    assert account.patch("/api/v1/organization", json={"time_zone": zone.key}).status_code == 200
    customer = account.create_customer("Ayşe Yılmaz 🌷", email="ayse@example.com")
    for days in (9.1, 9.4, 9.7, 10.0, 10.3):
        link = create_link(account, customer["id"], due_at=in_days(days))
        next_at = datetime.fromisoformat(link["reminders"]["next_at"]).astimezone(zone)
        assert next_at.weekday() < 5 and 8 <= next_at.hour < 18, (days, next_at)
        assert next_at >= datetime.fromisoformat(link["due_at"]) - timedelta(days=7)
