"""A worker killed (SIGKILL) in the middle of a delivery: the delivery is sent again after
the restart, with the same `webhook-id`, and none is lost.

The service runs as `docintake serve` in a process of its own (embedded jobs) whose webhook
sender can reach loopback only (`tests.support.guarded_docintake`). On SQLite only: a job
killed mid-run on PostgreSQL (its advisory job lock and the table queue's takeover) is
tests/integration/jobs/test_job_crashes.py's embedded-postgres case, and the same
`webhook-id` on every attempt on PostgreSQL is test_webhook_delivery.py's and
tests/integration/jobs/test_webhook_jobs.py's.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from infrastructure.settings import Settings
from tests.support.api import signup
from tests.support.cli import environment
from tests.support.jobs import wait_until, wait_until_healthy
from tests.support.server import free_port
from tests.support.webhooks import Receiver, receiving

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


class GuardedServer:
    def __init__(self, settings: Settings, log: Path) -> None:
        self.log_path = log
        self.url = f"http://127.0.0.1:{settings.port}"
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.guarded_docintake", "serve"],
                env=environment(settings),
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

        def alive() -> None:
            assert self.process.poll() is None, log.read_text()

        wait_until_healthy(self.url, alive, timeout=90)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def crash_settings(settings: Settings) -> Iterator[Settings]:
    yield replace(
        settings, port=free_port(), webhooks_allow_private=True, webhooks_retry_scale=0.001
    )


def test_a_worker_killed_mid_delivery_delivers_again_with_the_same_id(
    crash_settings: Settings, tmp_path: Path
) -> None:
    receiver = Receiver()
    receiver.hold_next()
    servers: list[GuardedServer] = []
    try:
        with receiving(receiver):
            first = GuardedServer(crash_settings, tmp_path / "first.log")
            servers.append(first)
            with httpx.Client(base_url=first.url, timeout=30) as http:
                owner = signup(http, plan="team", name="Kanzlei Absturz")
                created = owner.post(
                    "/api/v1/webhooks", json={"url": receiver.url, "events": ["customer.created"]}
                )
                assert created.status_code == 201, created.text
                secret = created.json()["secret"]
                customer = owner.create_customer("Kim Kunde")
            # The delivery is in flight: the receiver has the request and has not answered.
            wait_until(receiver.held.is_set, timeout=30, what="the delivery in flight")
            first.kill()
            receiver.release()

            second = GuardedServer(crash_settings, tmp_path / "second.log")
            servers.append(second)
            wait_until(lambda: len(receiver.requests) >= 2, timeout=60, what="the delivery again")
            ids = {r.headers["webhook-id"] for r in receiver.requests}
            assert len(ids) == 1
            for request in receiver.requests:
                assert request.verified(secret)["data"]["customer_id"] == customer["id"]
            with httpx.Client(base_url=second.url, timeout=30) as http:
                owner.client = http
                hook = f"/api/v1/webhooks/{created.json()['id']}/deliveries"

                def logged() -> bool:
                    items = owner.get(hook).json()["items"]
                    return len(items) == 1 and items[0]["state"] == "delivered"

                wait_until(logged, what="the delivery logged as delivered, once")
            assert len(receiver.requests) == 2
    finally:
        for server in servers:
            server.close()
    for log in ("first.log", "second.log"):
        assert "NON-LOOPBACK" not in (tmp_path / log).read_text()
