"""`GET /bench/constant` and `POST /bench/save`, the baseline routes of `make bench`, exist
only when asked for."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from infrastructure.bootstrap import Services
from tests.support.server import running_server


def test_the_baseline_routes_are_off_by_default(http: httpx.Client) -> None:
    assert http.get("/bench/constant").status_code == 404
    assert http.post("/bench/save", json={"name": "Anna"}).status_code in (404, 405)


def test_with_bench_routes_it_serves_twenty_customers_and_a_bare_save_records_one_event(
    make_services: Callable[..., Services],
) -> None:
    # One server for both routes: starting one costs more than both checks.
    services = make_services(bench_routes=True)
    with running_server(services) as url, httpx.Client(base_url=url) as client:
        answer = client.get("/bench/constant")
        assert answer.status_code == 200
        page = answer.json()
        assert len(page["items"]) == 20
        assert set(page["items"][0]) >= {"id", "name", "email", "company", "status", "created_at"}
        assert page["total"] == 20

        head = services.app.head()
        saved = client.post("/bench/save", json={"name": "Anna"})
        assert saved.status_code == 201
        assert services.app.head() == head + 1
