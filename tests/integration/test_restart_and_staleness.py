"""Restarting loses nothing; a lagging read model is answered anyway, marked stale."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from infrastructure.bootstrap import Services
from tests.support.api import signup
from tests.support.server import running_server
from tests.support.uploads import pdf_bytes


def test_restart_loses_nothing(make_services: Callable[..., Services]) -> None:
    with running_server(make_services()) as url, httpx.Client(base_url=url) as client:
        owner = signup(client, plan="solo")
        ids = {owner.create_customer(f"Kunde {i}")["id"] for i in range(3)}
        note_on = next(iter(ids))
        owner.post(f"/api/v1/customers/{note_on}/notes", json={"text": "bleibt"})

    with running_server(make_services()) as url, httpx.Client(base_url=url) as client:
        owner.client = client
        listed = owner.get("/api/v1/customers").json()
        assert {c["id"] for c in listed["items"]} == ids
        assert [n["text"] for n in owner.get(f"/api/v1/customers/{note_on}").json()["notes"]] == [
            "bleibt"
        ]
        # The organisation's slot count survived too: 3 used, 7 left on solo.
        for i in range(7):
            owner.create_customer(f"Neu {i}")
        assert owner.post("/api/v1/customers", json={"name": "zu viel"}).status_code == 403


def test_a_read_model_that_does_not_follow_is_answered_as_stale(
    make_services: Callable[..., Services],
) -> None:
    services = make_services(run_projections=False, read_wait_seconds=0.5)
    with running_server(services) as url, httpx.Client(base_url=url) as client:
        owner = signup(client)
        created = owner.post("/api/v1/customers", json={"name": "Anna"})
        # The create succeeded; its answer is what was recorded, which no follower changes.
        assert created.status_code == 201
        assert "X-Read-Model-Stale" not in created.headers
        assert created.json()["name"] == "Anna"
        started = time.perf_counter()
        listed = owner.get("/api/v1/customers")
        waited = time.perf_counter() - started
        assert listed.status_code == 200
        assert listed.headers["X-Read-Model-Stale"] == "true"
        assert 0.4 < waited < 3.0


def test_a_sent_file_is_answered_when_the_read_model_lags(
    make_services: Callable[..., Services],
) -> None:
    services = make_services(run_projections=False, read_wait_seconds=0.3)
    with running_server(services) as url, httpx.Client(base_url=url) as client:
        owner = signup(client)
        customer = owner.post("/api/v1/customers", json={"name": "Anna"}).json()
        sent = owner.post(
            f"/api/v1/customers/{customer['id']}/sent-files",
            files={"file": ("Bescheid für Anna.pdf", pdf_bytes(3_000), "application/pdf")},
        )
        # Recorded all the same: the answer comes from what was recorded, marked stale.
        assert sent.status_code == 201, sent.text
        assert sent.headers["X-Read-Model-Stale"] == "true"
        body = sent.json()
        assert body["filename"] == "Bescheid für Anna.pdf"
        assert body["size"] == 3_000
        assert body["downloaded_at"] is None
        download = client.get("/" + body["download_url"].split("/", 3)[3] + "/content")
        assert download.status_code == 200
        assert len(download.content) == 3_000
