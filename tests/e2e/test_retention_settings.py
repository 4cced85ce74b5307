"""Retention settings through the API and the settings page: off by default, each period
1..3650 days or off, refusals naming the field; `deletes_at` on files and "wird am …
gelöscht" on the customer page (German date, the organisation's zone); setting the
customer back cancels it; another organisation neither sees nor changes any of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account, signup
from tests.support.uploads import create_link, pdf_bytes, upload

OFF = {"delete_after_complete_days": None, "delete_after_link_expiry_days": None}


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def files_of(account: Account, customer_id: str) -> list[dict[str, Any]]:
    answer = account.get(f"/api/v1/customers/{customer_id}/files")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_periods_are_validated_and_named(account: Account) -> None:
    assert account.get("/api/v1/organization").json()["retention"] == OFF
    for name in OFF:
        for bad in [0, -1, 3651, 10**12, "30", 1.5, True, [], {}]:
            refused = account.patch("/api/v1/organization", json={"retention": {name: bad}})
            assert 400 <= refused.status_code < 500, (name, bad, refused.text)
            assert f"retention.{name}" in refused.json()["error"]["fields"], refused.text
    refused = account.patch("/api/v1/organization", json={"retention": {"forever": 1}})
    assert refused.status_code in (400, 422)
    assert "retention.forever" in refused.json()["error"]["fields"]
    assert account.get("/api/v1/organization").json()["retention"] == OFF

    both = {"delete_after_complete_days": 1, "delete_after_link_expiry_days": 3650}
    # JSON's 3650.0 is the whole number 3650.
    whole = {**both, "delete_after_link_expiry_days": 3650.0}
    changed = account.patch("/api/v1/organization", json={"retention": whole})
    assert changed.status_code == 200, changed.text
    assert changed.json()["retention"] == both
    # A partial change keeps the other period; null switches one off.
    changed = account.patch(
        "/api/v1/organization", json={"retention": {"delete_after_complete_days": None}}
    )
    assert changed.json()["retention"] == {**both, "delete_after_complete_days": None}


def test_deletes_at_follows_the_status_and_stays_in_its_organisation(
    account: Account, http: httpx.Client, base_url: str
) -> None:
    other = signup(http, name="Kanzlei Nebenan")
    customer = account.create_customer("Jürgen Müller")
    link = create_link(account, customer["id"])
    assert upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes())).status_code == 201
    [file] = files_of(account, customer["id"])
    assert file["deletes_at"] is None

    # Another organisation's setting changes nothing here.
    assert (
        other.patch(
            "/api/v1/organization", json={"retention": {"delete_after_complete_days": 1}}
        ).status_code
        == 200
    )
    set_days = account.patch(
        "/api/v1/organization", json={"retention": {"delete_after_complete_days": 30}}
    )
    assert set_days.status_code == 200
    completed = account.put(
        f"/api/v1/customers/{customer['id']}/status", json={"status": "complete"}
    )
    assert completed.status_code == 200, completed.text
    assert other.get("/api/v1/organization").json()["retention"]["delete_after_complete_days"] == 1

    [file] = files_of(account, customer["id"])
    deletes_at = when(file["deletes_at"])
    now = datetime.now(deletes_at.tzinfo)
    assert timedelta(days=30) - timedelta(minutes=5) < deletes_at - now <= timedelta(days=30)
    assert when(account.get(f"/api/v1/files/{file['id']}").json()["deletes_at"]) == deletes_at
    detail = account.get(f"/api/v1/customers/{customer['id']}").json()
    assert when(detail["received_files"][0]["deletes_at"]) == deletes_at
    # The other organisation sees neither the file nor its date.
    assert other.get(f"/api/v1/files/{file['id']}").status_code == 404
    assert other.get(f"/api/v1/customers/{customer['id']}/files").status_code == 404

    # The customer page says when, in German, in the organisation's zone.
    day = deletes_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%d.%m.%Y")
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/customers/{customer['id']}").text
    assert f"wird am {day} gelöscht" in page

    # Set back from complete: cancelled.
    account.put(f"/api/v1/customers/{customer['id']}/status", json={"status": "partial"})
    [file] = files_of(account, customer["id"])
    assert file["deletes_at"] is None
    with signed_in(base_url, account.email) as browser:
        assert "gelöscht" not in browser.get(f"/customers/{customer['id']}").text


def test_the_settings_page_sets_the_periods_in_german_words(
    account: Account, base_url: str
) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings")
        assert "Aufbewahrung" in page.text
        token = csrf_token_of(page)
        refused = browser.post(
            "/settings/retention",
            data={
                "csrf_token": token,
                "delete_after_complete_days": "0",
                "delete_after_link_expiry_days": "zehn",
            },
        )
        assert refused.status_code == 422
        assert refused.text.count("Eine ganze Zahl von 1 bis 3650.") == 2
        done = browser.post(
            "/settings/retention",
            data={
                "csrf_token": token,
                "delete_after_complete_days": "90",
                "delete_after_link_expiry_days": "",
            },
        )
        assert done.status_code == 303
        assert 'value="90"' in browser.get("/settings").text
    assert account.get("/api/v1/organization").json()["retention"] == {
        "delete_after_complete_days": 90,
        "delete_after_link_expiry_days": None,
    }
