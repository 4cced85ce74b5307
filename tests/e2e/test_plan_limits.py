"""Plan caps hold under concurrent creates (optimistic concurrency on the organisation)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.test_staff_pages_http import signed_in
from tests.support.api import Account, signup


def test_twenty_parallel_creates_against_nine_of_ten_leave_exactly_ten(
    base_url: str, http: httpx.Client
) -> None:
    solo = signup(http, plan="solo")
    for i in range(9):
        solo.create_customer(f"Bestand {i}")

    def create(i: int) -> int:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            response = client.post(
                "/api/v1/customers",
                json={"name": f"Parallel {i}"},
                headers={"Authorization": f"Bearer {solo.token}"},
            )
            if response.status_code not in (201, 403):
                raise AssertionError(response.text)
            if response.status_code == 403:
                assert response.json()["error"]["code"] == "plan_limit_reached"
            return response.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(create, range(20)))

    assert codes.count(201) == 1
    assert codes.count(403) == 19
    listed = solo.get("/api/v1/customers", params={"limit": 200}).json()
    assert listed["total"] == 10


def test_pro_and_team_caps(http: httpx.Client) -> None:
    pro: Account = signup(http, plan="pro")
    for i in range(50):
        pro.create_customer(f"Kunde {i}")
    assert pro.post("/api/v1/customers", json={"name": "51"}).status_code == 403
    team = signup(http, plan="team")
    for i in range(51):
        team.create_customer(f"Kunde {i}")
    assert team.get("/api/v1/customers").json()["total"] == 51


def test_the_new_customer_form_says_the_plan_is_full_before_anything_is_typed(
    base_url: str, http: httpx.Client
) -> None:
    solo = signup(http, plan="solo")
    for i in range(9):
        solo.create_customer(f"Bestand {i}")
    with signed_in(base_url, solo.email) as browser:
        assert 'id="plan-full"' not in browser.get("/customers/new").text
        solo.create_customer("Zehnte Kundin")
        page = browser.get("/customers/new").text
    assert "Ihr Tarif erlaubt 10 Kunden, und sie sind angelegt." in page
    assert '<a href="/settings#plan">Tarif in den Einstellungen wechseln</a>' in page
    assert '<button type="submit" disabled>' in page
