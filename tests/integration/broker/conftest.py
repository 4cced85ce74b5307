"""Brokers for the job-queue tests: real RabbitMQ, real Redis, and the embedded stub.

Fixtures:
- `broker_url`: parametrised over `rabbitmq`, `redis` and `embedded` (None).
  Override the servers with DOCINTAKE_TEST_AMQP_URL / DOCINTAKE_TEST_REDIS_URL.
- `queue_name`: a fresh `test-<uuid>` name; every queue a test declares must
  start with `test-`, since only those are deleted afterwards.
- `broker`: `broker_from_url(broker_url)` with 2 retries and 10-50 ms backoff;
  afterwards its `test-*` queues (with delay and dead-letter queues) are
  deleted and its connections closed.
- `run_worker`: starts an in-process worker on `broker` (call it after
  declaring actors or before, both work) and stops it before the broker's
  cleanup.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from uuid import uuid4

import dramatiq
import dramatiq.broker
import pika.exceptions
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name, xq_name

from infrastructure.broker import broker_from_url, start_worker, stop_worker

AMQP_URL = os.environ.get("DOCINTAKE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REDIS_URL = os.environ.get("DOCINTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_QUEUE_PREFIX = "test-"

#: Small so retries and shutdowns take milliseconds, not seconds.
WORKER_TIMEOUT_MS = 100


@pytest.fixture(
    params=[
        pytest.param(AMQP_URL, id="rabbitmq"),
        pytest.param(REDIS_URL, id="redis"),
        pytest.param(None, id="embedded"),
    ]
)
def broker_url(request: pytest.FixtureRequest) -> str | None:
    """The URL handed to `broker_from_url`."""
    url: str | None = request.param
    return url


@pytest.fixture
def queue_name() -> str:
    """A queue name no other test run uses."""
    return f"{TEST_QUEUE_PREFIX}{uuid4().hex}"


@pytest.fixture(autouse=True)
def _keep_global_broker() -> Iterator[None]:
    # Everything here passes `broker=` explicitly; a test that touched
    # dramatiq's global broker would leak into every later test.
    before = dramatiq.broker.global_broker
    yield
    leaked = dramatiq.broker.global_broker is not before
    dramatiq.broker.global_broker = before
    assert not leaked, "a test changed dramatiq's global broker"


@pytest.fixture
def broker(broker_url: str | None) -> Iterator[dramatiq.Broker]:
    """A broker with fast retries: 2 retries, 10 ms to 50 ms backoff."""
    broker = broker_from_url(broker_url, max_retries=2, min_backoff_ms=10, max_backoff_ms=50)
    try:
        yield broker
    finally:
        queues = {q for q in broker.get_declared_queues() if q.startswith(TEST_QUEUE_PREFIX)}
        try:
            if isinstance(broker, RabbitmqBroker):
                _delete_rabbitmq_queues(broker, queues)
            elif isinstance(broker, RedisBroker):
                _delete_redis_keys(broker, queues)
        finally:
            broker.close()


@pytest.fixture
def run_worker(broker: dramatiq.Broker) -> Iterator[Callable[[], dramatiq.Worker]]:
    """Call to start an in-process worker; it is stopped after the test."""
    workers: list[dramatiq.Worker] = []

    def start() -> dramatiq.Worker:
        worker = start_worker(broker, worker_threads=2, worker_timeout_ms=WORKER_TIMEOUT_MS)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        stop_worker(worker, timeout_ms=5_000)


def _delete_rabbitmq_queues(broker: RabbitmqBroker, queues: set[str]) -> None:
    for queue in queues:
        for name in (queue, dq_name(queue), xq_name(queue)):
            try:
                broker.channel.queue_delete(name)
            except pika.exceptions.AMQPChannelError:
                # A failed command closes the channel; the next one needs a new one.
                del broker.channel


def _delete_redis_keys(broker: RedisBroker, queues: set[str]) -> None:
    client = broker.client
    ns = broker.namespace
    for queue in queues:
        keys = [
            f"{ns}:{name}{suffix}"
            for name in (queue, dq_name(queue), xq_name(queue))
            for suffix in ("", ".msgs")
        ]
        client.delete(*keys)
        # Per-worker sets of fetched-but-unacked ids: `ns:__acks__.<broker id>.<queue>`.
        acks = list(client.scan_iter(match=f"{ns}:__acks__.*.{queue}*"))
        if acks:
            client.delete(*acks)
    client.zrem(f"{ns}:__heartbeats__", broker.broker_id)
