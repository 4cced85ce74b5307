"""`due_at` and `reminders` on upload links over HTTP, the reminder by hand, and tenancy."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.api import Account
from tests.support.uploads import create_link, pdf_bytes, upload

BERLIN = ZoneInfo("Europe/Berlin")


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


def test_a_reminder_by_hand(account: Account, other_account: Account) -> None:
    customer = account.create_customer("Jürgen Straße", email="juergen.strasse@example.com")
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
    reminded = account.post(f"/api/v1/links/{link['id']}/remind")
    assert reminded.status_code == 202, reminded.text
    assert reminded.json()["reminders"]["sent_count"] == 1
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()
    texts = [item["summary"] for item in activity["items"]]
    assert any(
        t.startswith("Erinnerung von Hand an juergen.strasse@example.com gesendet")
        and "; es fehlen: Kontoauszüge" in t
        for t in texts
    ), texts
    assert any(t.startswith("Upload-Link „ohne Titel“: fällig bis ") for t in texts), texts


def test_overdue_customers_are_marked_and_filterable(
    account: Account, other_account: Account, http: httpx.Client
) -> None:
    late = account.create_customer("Jürgen Straße", email="juergen@example.com")
    on_time = account.create_customer("Ayşe Yılmaz 🌷", email="ayse@example.com")
    link = create_link(
        account, late["id"], requested_items=["Kündigung – 2024"], due_at=in_days(1.5 / 86400)
    )
    create_link(account, on_time["id"], requested_items=["Mietvertrag"], due_at=in_days(10))
    other = other_account.create_customer("Fremd GmbH")
    create_link(other_account, other["id"], due_at=in_days(1.5 / 86400))
    time.sleep(2)

    listed = {c["name"]: c["overdue"] for c in account.get("/api/v1/customers").json()["items"]}
    assert listed == {"Jürgen Straße": True, "Ayşe Yılmaz 🌷": False}
    filtered = account.get("/api/v1/customers", params={"overdue": "true"}).json()
    assert [c["name"] for c in filtered["items"]] == ["Jürgen Straße"] and filtered["total"] == 1
    assert account.get(f"/api/v1/customers/{late['id']}").json()["overdue"] is True
    # Another organisation's overdue customers stay its own.
    theirs = other_account.get("/api/v1/customers", params={"overdue": "true"}).json()["items"]
    assert [c["name"] for c in theirs] == ["Fremd GmbH"]
    assert other_account.get(f"/api/v1/customers/{late['id']}").status_code == 404

    # The missing document arrives: no longer overdue.
    [item] = link["requested_items"]
    sent = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes()), data={"item_id": item["id"]})
    assert sent.status_code == 201, sent.text
    assert account.get("/api/v1/customers", params={"overdue": "true"}).json()["items"] == []
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
