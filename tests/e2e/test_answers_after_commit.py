"""A command that was recorded never answers 500 (PostgreSQL): reading its answer retries a
connection the server dropped, and answers from what was recorded if it cannot read."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import psycopg
import pytest

from infrastructure.bootstrap import Services
from tests.support.api import signup
from tests.support.read_models import wait_until
from tests.support.server import running_server

pytestmark = pytest.mark.postgres


def terminate_read_model_connections(database_url: str) -> int:
    """What a PostgreSQL restart does to the read-model pool's idle connections."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        return len(
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = %s",
                ("docintake read models",),
            ).fetchall()
        )


@pytest.mark.parametrize("backend", ["postgres"])
def test_answers_survive_dropped_connections_and_unreadable_read_models(
    make_services: Callable[..., Services],
) -> None:
    services = make_services(read_wait_seconds=0.5)
    url = services.settings.database_url
    assert url is not None
    with running_server(services) as base, httpx.Client(base_url=base, timeout=30) as client:
        owner = signup(client, plan="team")
        customer = owner.create_customer("Anna Müller")["id"]
        for attempt in range(3):
            # Every pooled connection dropped while idle, as by a restart of the server.
            assert terminate_read_model_connections(url) > 0
            changed = owner.patch(
                f"/api/v1/customers/{customer}", json={"company": f"Firma {attempt}"}
            )
            assert changed.status_code == 200, changed.text
            assert changed.json()["company"] == f"Firma {attempt}"
            assert terminate_read_model_connections(url) > 0
            listed = owner.get("/api/v1/customers")
            assert listed.status_code == 200, listed.text

        # The read model cannot be read at all: the answer comes from what was recorded.
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("ALTER TABLE customer_list RENAME TO customer_list_away")
        try:
            status = owner.put(f"/api/v1/customers/{customer}/status", json={"status": "complete"})
            assert status.status_code == 200, status.text
            assert status.headers["X-Read-Model-Stale"] == "true"
            assert (status.json()["status"], status.json()["company"]) == ("complete", "Firma 2")
            note = owner.post(f"/api/v1/customers/{customer}/notes", json={"text": "Rückruf"})
            assert note.status_code == 201, note.text
            assert note.json()["text"] == "Rückruf"
        finally:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute("ALTER TABLE customer_list_away RENAME TO customer_list")
        # The host applies what it could not while the table was away (at its next retry).
        wait_until(
            lambda: "X-Read-Model-Stale" not in owner.get("/api/v1/customers").headers,
            what="the list catches up",
        )
        detail = owner.get(f"/api/v1/customers/{customer}")
        assert detail.status_code == 200
        assert detail.json()["status"] == "complete"
        assert [n["text"] for n in detail.json()["notes"]] == ["Rückruf"]
