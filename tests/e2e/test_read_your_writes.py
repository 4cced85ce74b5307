"""After a 2xx command, the same client's next query shows its effect."""

from __future__ import annotations

import time

from tests.support.api import Account


def test_create_then_list_shows_the_new_customer_every_time(account: Account) -> None:
    lags: list[float] = []
    for i in range(40):
        created = account.create_customer(f"Kunde {i:03}")
        started = time.perf_counter()
        listed = account.get("/api/v1/customers", params={"q": f"kunde {i:03}"})
        lags.append(time.perf_counter() - started)
        assert listed.status_code == 200
        assert "X-Read-Model-Stale" not in listed.headers
        assert [c["id"] for c in listed.json()["items"]] == [created["id"]]


def test_status_change_then_filter_shows_it(account: Account) -> None:
    for i in range(10):
        customer = account.create_customer(f"Kunde {i}")
        changed = account.put(
            f"/api/v1/customers/{customer['id']}/status", json={"status": "complete"}
        )
        assert changed.json()["status"] == "complete"
        complete = account.get("/api/v1/customers", params={"status": "complete"}).json()
        assert customer["id"] in {c["id"] for c in complete["items"]}
        assert complete["total"] == i + 1


def test_delete_then_list_no_longer_shows_it(account: Account) -> None:
    for i in range(10):
        customer = account.create_customer(f"Kunde {i}")
        assert account.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
        listed = account.get("/api/v1/customers").json()
        assert customer["id"] not in {c["id"] for c in listed["items"]}
