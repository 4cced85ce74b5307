"""`/health` is liveness only; `/ready` answers within one second, 503 naming each store
that is down, 200 once all answer again — around a real PostgreSQL restart (a server of the
test's own) and with a broker that does not answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.master_key import MasterKey
from infrastructure.settings import Settings
from tests.support.private_postgres import PrivatePostgres, private_postgres
from tests.support.server import free_port, running_server

pytestmark = pytest.mark.postgres

#: What a load balancer's probe would allow; `/ready` must answer inside it.
PROBE_TIMEOUT = 1.0


@pytest.fixture
def own_postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


def probe(client: httpx.Client) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    # A generous client timeout: the test measures how long the answer took.
    response = client.get("/ready", timeout=5)
    return time.monotonic() - started, response


def test_ready_turns_503_while_postgres_restarts_and_200_after(
    own_postgres: PrivatePostgres, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=own_postgres.create_database("docintake"),
        master_key=MasterKey.generate(),
        port=free_port(),
    )
    with running_server(bootstrap(settings)) as url, httpx.Client(base_url=url) as client:
        took, answer = probe(client)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"status": "ok"}

        own_postgres.stop("fast")
        stopped = time.monotonic()
        timings: list[float] = []
        while True:
            took, answer = probe(client)
            timings.append(took)
            if answer.status_code == 503:
                break
            assert time.monotonic() - stopped < 10, "still ready 10 s after the stop"
        turned_503 = time.monotonic() - stopped
        body = answer.json()
        assert body["status"] == "unavailable"
        assert {"event_store", "read_models"} <= set(body["problems"]), body
        assert "file_storage" not in body["problems"]  # local disk is fine
        # Liveness does not depend on the database.
        assert client.get("/health", timeout=PROBE_TIMEOUT).status_code == 200

        # Down for a while: every probe answers in time, and with 503.
        for _ in range(5):
            took, answer = probe(client)
            timings.append(took)
            assert answer.status_code == 503

        own_postgres.start()
        restarted = time.monotonic()
        while True:
            took, answer = probe(client)
            timings.append(took)
            if answer.status_code == 200:
                break
            assert answer.status_code == 503
            assert time.monotonic() - restarted < 30, answer.text
            time.sleep(0.05)
        back_200 = time.monotonic() - restarted
        # The server gives up on the stores after 0.8 s; what the client measures also holds
        # the scheduling of a loaded machine, so one probe in ten may be late, none by far.
        late = [took for took in timings if took >= PROBE_TIMEOUT]
        assert len(late) <= len(timings) // 10, timings
        assert max(timings) < 3 * PROBE_TIMEOUT, timings
        print(
            f"\n/ready: 503 {turned_503:.2f} s after the stop, 200 {back_200:.2f} s after the"
            f" start; slowest answer {max(timings):.3f} s of {len(timings)} probes"
        )
        # And the service itself works again.
        assert client.post("/api/v1/signup", json={
            "organization_name": "Kanzlei Müller", "email": "anna@example.de",
            "password": "ein langes Passwort", "plan": "solo",
        }).status_code == 201  # fmt: skip


def test_ready_names_a_broker_that_does_not_answer(tmp_path: Path) -> None:
    silent = free_port()  # nothing listens here
    settings = Settings(
        data_dir=tmp_path / "data",
        broker_url=f"amqp://guest:guest@127.0.0.1:{silent}/%2F",
        port=free_port(),
    )
    services = bootstrap(settings)
    with running_server(services) as url, httpx.Client(base_url=url) as client:
        took, answer = probe(client)
        assert took < PROBE_TIMEOUT
        assert answer.status_code == 503
        assert set(answer.json()["problems"]) == {"broker"}
        assert client.get("/health").status_code == 200
