"""Job tests in each queue mode: embedded (a table, run by the API process), RabbitMQ and
Redis (run by a worker with services of its own, as `docintake worker` would).

Fixtures:
- `broker_url`: None (embedded), the RabbitMQ URL, the Redis URL.
- `queue_prefix`: a fresh queue-name prefix, its queues deleted afterwards.
- `smtp_server`: a real SMTP server on loopback (aiosmtpd).
- `deploy(**settings)`: a context manager giving a running `Deployment` on the test's
  backend: the API server and, with a broker, a worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import dramatiq.broker
import httpx
import pytest

from infrastructure.bootstrap import Services, bootstrap
from tests.support.jobs import (
    AMQP_URL,
    FAST_JOBS,
    REDIS_URL,
    TEST_QUEUE_PREFIX,
    Deploy,
    Deployment,
    delete_queues,
)
from tests.support.server import free_port, running_server
from tests.support.smtp_loopback import LoopbackSmtpServer, serve_smtp
from tests.support.webhooks import keep_webhooks_on_loopback


@pytest.fixture(
    params=[
        pytest.param(None, id="embedded"),
        pytest.param(AMQP_URL, id="rabbitmq"),
        pytest.param(REDIS_URL, id="redis"),
    ]
)
def broker_url(request: pytest.FixtureRequest) -> str | None:
    url: str | None = request.param
    return url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A broker runs beside PostgreSQL only: production pairs a broker with PostgreSQL, and
    SQLite is the embedded mode, whose jobs run from a table. Tests that take both a backend
    and a broker leave out the SQLite-with-broker pairs, which no deployment runs."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if params.get("backend") == "sqlite" and params.get("broker_url") is not None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _no_global_broker() -> Iterator[None]:
    # Every broker is handed to its actors explicitly; one installed as dramatiq's global
    # broker would leak into every later test of the process.
    before = dramatiq.broker.global_broker
    yield
    assert dramatiq.broker.global_broker is before, "a job test changed dramatiq's global broker"


@pytest.fixture
def queue_prefix(broker_url: str | None) -> Iterator[str]:
    prefix = f"{TEST_QUEUE_PREFIX}{uuid4().hex[:12]}"
    yield prefix
    delete_queues(broker_url, prefix)


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSmtpServer]:
    with serve_smtp(LoopbackSmtpServer(port=0)) as server:
        yield server


@pytest.fixture
def deploy(
    make_services: Callable[..., Services], broker_url: str | None, queue_prefix: str
) -> Deploy:
    @contextmanager
    def start(**overrides: Any) -> Iterator[Deployment]:
        configured = {
            **FAST_JOBS,
            "broker_url": broker_url,
            "job_queue_prefix": queue_prefix,
            "port": free_port(),
            **overrides,
        }
        api = make_services(**configured)
        with running_server(api) as url, httpx.Client(base_url=url, timeout=30) as http:
            worker = None
            if broker_url is not None:
                # Few connections: the database server is shared by parallel tests.
                worker = bootstrap(api.settings, pool_size=2)
                keep_webhooks_on_loopback(worker)
                worker.runtime.run_job_workers(poll_ms=100)
            try:
                yield Deployment(api, url, http, worker)
            finally:
                if worker is not None:
                    worker.close()

    return start
