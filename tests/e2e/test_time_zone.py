"""The organisation's time zone: set through the API and the settings page, every time people
read is shown in it (pages, history), the API keeps UTC; another organisation is untouched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_staff_pages_http import csrf_token_of, signed_in
from tests.support.api import Account, signup
from tests.support.uploads import create_link

LATE = (datetime.now(UTC) + timedelta(days=20)).replace(hour=23, minute=30, second=0, microsecond=0)


def test_the_time_zone_is_set_and_every_page_follows_it(
    account: Account, http: httpx.Client, base_url: str
) -> None:
    assert account.get("/api/v1/organization").json()["time_zone"] == "Europe/Berlin"
    other = signup(http, name="Kanzlei Nebenan")
    customer = account.create_customer("Jörg Müller")
    link = create_link(account, customer["id"], expires_at=LATE.isoformat())
    berlin_day = (LATE + timedelta(hours=1)).strftime("%d.%m.%Y")
    london_day = LATE.strftime("%d.%m.%Y")

    page = http.get(link["url"], headers={"Accept-Language": "de"}).text
    assert f"gültig bis {berlin_day}" in page
    assert "UTC" not in page

    changed = account.patch("/api/v1/organization", json={"time_zone": "Europe/London"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["time_zone"] == "Europe/London"
    page = http.get(link["url"], headers={"Accept-Language": "de"}).text
    assert f"gültig bis {london_day}, 23:30" in page
    # The API keeps UTC.
    stored = account.get(f"/api/v1/links/{link['id']}").json()["expires_at"]
    assert datetime.fromisoformat(stored.replace("Z", "+00:00")) == LATE
    # The history writes the link's expiry in the zone too.
    activity = account.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
    assert any(london_day in item["summary"] for item in activity)
    # Another organisation keeps its own zone.
    assert other.get("/api/v1/organization").json()["time_zone"] == "Europe/Berlin"


def test_an_unknown_zone_is_refused_naming_the_field(account: Account) -> None:
    for zone in ["Mars/Olympus", "", "../etc/passwd", "Europe/Berlin\u0000"]:
        refused = account.patch("/api/v1/organization", json={"time_zone": zone})
        assert refused.status_code == 422, refused.text
        assert "time_zone" in refused.json()["error"]["fields"]
    assert account.get("/api/v1/organization").json()["time_zone"] == "Europe/Berlin"


def test_the_settings_page_sets_the_zone_in_german_words(account: Account, base_url: str) -> None:
    with signed_in(base_url, account.email) as browser:
        page = browser.get("/settings")
        assert "Zeitzone" in page.text
        token = csrf_token_of(page)
        refused = browser.post(
            "/settings/organization",
            data={"csrf_token": token, "name": "Kanzlei Test", "time_zone": "Mars/Olympus"},
        )
        assert refused.status_code == 422
        assert "Keine bekannte Zeitzone" in refused.text
        done = browser.post(
            "/settings/organization",
            data={"csrf_token": token, "name": "Kanzlei Test", "time_zone": "Europe/Vienna"},
        )
        assert done.status_code == 303
    assert account.get("/api/v1/organization").json()["time_zone"] == "Europe/Vienna"


def test_the_link_forms_expiry_is_that_day_where_the_organisation_is(
    account: Account, base_url: str
) -> None:
    """The day typed on the new-link form ends at 23:59 in the organisation's zone, as a due
    date and an extended expiry do: the mail and the pages then name the day that was typed
    (not 00:59 of the next day in Berlin, as an end of day in UTC reads)."""
    customer = account.create_customer("Jörg Müller", email="joerg@example.com")
    with signed_in(base_url, account.email) as browser:
        form = browser.get(f"/customers/{customer['id']}/links/new")
        berlin_today = datetime.now(ZoneInfo("Europe/Berlin")).date()
        # The form offers days where the organisation is.
        assert f'min="{berlin_today.isoformat()}"' in form.text or (
            f"min={berlin_today.isoformat()}" in form.text
        )
        day = berlin_today + timedelta(days=40)
        created = browser.post(
            f"/customers/{customer['id']}/links/new",
            data={
                "csrf_token": csrf_token_of(form),
                "title": "Kündigung – 2024",
                "expires_at": day.isoformat(),
                "due_at": (day - timedelta(days=10)).isoformat(),
            },
        )
        assert created.status_code == 303, created.text[:2000]
        link_id = created.headers["location"].split("/links/")[1].split("?")[0]
    stored = account.get(f"/api/v1/links/{link_id}").json()["expires_at"]
    expected = datetime(day.year, day.month, day.day, 23, 59, tzinfo=ZoneInfo("Europe/Berlin"))
    assert datetime.fromisoformat(stored.replace("Z", "+00:00")) == expected
    with signed_in(base_url, account.email) as browser:
        page = browser.get(f"/customers/{customer['id']}").text
    assert f"gültig bis {day.strftime('%d.%m.%Y')}" in page
