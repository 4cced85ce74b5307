"""Jobs through `broker_from_url` on RabbitMQ, Redis and the embedded stub broker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries, default_middleware

from infrastructure.broker import (
    BROKER_URL_SETTING,
    DEFAULT_MAX_BACKOFF_MS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MIN_BACKOFF_MS,
    QueueStatus,
    broker_from_url,
    queue_status,
    stop_worker,
)

RunWorker = Callable[[], dramatiq.Worker]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.02)


def status_of(broker: dramatiq.Broker, queue: str) -> QueueStatus:
    [status] = [s for s in queue_status(broker) if s.queue == queue]
    return status


def test_enqueued_job_is_processed_by_in_process_worker(
    broker: dramatiq.Broker, queue_name: str, run_worker: RunWorker
) -> None:
    received: list[str] = []

    @dramatiq.actor(broker=broker, queue_name=queue_name, actor_name="record")
    def record(value: str) -> None:
        received.append(value)

    record.send("Grüße")
    record.send("zwei")
    run_worker()

    wait_until(lambda: sorted(received) == ["Grüße", "zwei"])
    wait_until(lambda: status_of(broker, queue_name) == QueueStatus(queue_name, 0, 0, 0))


def test_failing_job_is_retried_then_dead_lettered(
    broker: dramatiq.Broker, queue_name: str, run_worker: RunWorker
) -> None:
    attempts: list[float] = []

    @dramatiq.actor(broker=broker, queue_name=queue_name, actor_name="always_fails")
    def always_fails() -> None:
        attempts.append(time.monotonic())
        raise RuntimeError("mail server down")

    always_fails.send()
    run_worker()

    wait_until(lambda: status_of(broker, queue_name).dead_lettered == 1)
    # The broker fixture allows 2 retries: 3 attempts in all.
    assert len(attempts) == 3
    assert status_of(broker, queue_name) == QueueStatus(queue_name, 0, 0, 1)


def test_job_succeeding_on_retry_is_not_dead_lettered(
    broker: dramatiq.Broker, queue_name: str, run_worker: RunWorker
) -> None:
    attempts: list[int] = []
    done = threading.Event()

    @dramatiq.actor(broker=broker, queue_name=queue_name, actor_name="flaky")
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise ConnectionError("try again")
        done.set()

    flaky.send()
    run_worker()

    assert done.wait(10)
    wait_until(lambda: status_of(broker, queue_name) == QueueStatus(queue_name, 0, 0, 0))
    assert len(attempts) == 2


def test_queue_status_counts_waiting_and_delayed_messages(
    broker: dramatiq.Broker, queue_name: str
) -> None:
    other_queue = f"{queue_name}-other"

    @dramatiq.actor(broker=broker, queue_name=queue_name, actor_name="pending")
    def pending(n: int) -> None:
        raise AssertionError("no worker runs in this test")

    @dramatiq.actor(broker=broker, queue_name=other_queue, actor_name="idle")
    def idle() -> None:
        raise AssertionError("no worker runs in this test")

    for n in range(3):
        pending.send(n)
    pending.send_with_options(args=(99,), delay=60_000)

    wait_until(lambda: status_of(broker, queue_name) == QueueStatus(queue_name, 3, 1, 0))
    # Every declared queue is listed, empty ones too, in name order.
    statuses = [s for s in queue_status(broker) if s.queue in {queue_name, other_queue}]
    assert statuses == [QueueStatus(queue_name, 3, 1, 0), QueueStatus(other_queue, 0, 0, 0)]


def test_stopped_worker_can_be_replaced(
    broker: dramatiq.Broker, queue_name: str, run_worker: RunWorker
) -> None:
    received: list[int] = []

    @dramatiq.actor(broker=broker, queue_name=queue_name, actor_name="count")
    def count(n: int) -> None:
        received.append(n)

    first = run_worker()
    count.send(1)
    wait_until(lambda: received == [1])
    stop_worker(first, timeout_ms=5_000)

    # A queue declared now must not start a consumer for the stopped worker.
    assert not any(getattr(m, "worker", None) is first for m in broker.middleware)

    run_worker()
    count.send(2)
    wait_until(lambda: received == [1, 2])
    time.sleep(0.2)
    assert received == [1, 2]  # processed once, not by two workers


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (None, StubBroker),
        ("", StubBroker),
        ("amqp://guest:guest@127.0.0.1:5672/%2F", RabbitmqBroker),
        ("redis://127.0.0.1:6379/0", RedisBroker),
    ],
)
def test_broker_kind_follows_the_url(url: str | None, kind: type[dramatiq.Broker]) -> None:
    # Constructing connects to nothing yet (both connect lazily).
    broker = broker_from_url(url)
    try:
        assert type(broker) is kind
    finally:
        broker.close()


def test_rabbitmq_publishes_with_confirms() -> None:
    broker = broker_from_url("amqp://guest:guest@127.0.0.1:5672/%2F")
    assert isinstance(broker, RabbitmqBroker)
    assert broker.confirm_delivery


def test_default_middleware_with_our_retry_policy() -> None:
    broker = broker_from_url(None)

    assert [type(m) for m in broker.middleware] == default_middleware
    [retries] = [m for m in broker.middleware if isinstance(m, Retries)]
    assert (retries.max_retries, retries.min_backoff, retries.max_backoff) == (
        DEFAULT_MAX_RETRIES,
        DEFAULT_MIN_BACKOFF_MS,
        DEFAULT_MAX_BACKOFF_MS,
    )
    assert (DEFAULT_MAX_RETRIES, DEFAULT_MIN_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS) == (
        8,
        1_000,
        300_000,
    )


def test_retry_policy_is_configurable() -> None:
    broker = broker_from_url(None, max_retries=1, min_backoff_ms=5, max_backoff_ms=20)

    [retries] = [m for m in broker.middleware if isinstance(m, Retries)]
    assert (retries.max_retries, retries.min_backoff, retries.max_backoff) == (1, 5, 20)


@pytest.mark.parametrize(("low", "high"), [(0, 10), (20, 10)])
def test_nonsensical_backoffs_are_refused(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="backoff"):
        broker_from_url(None, min_backoff_ms=low, max_backoff_ms=high)


@pytest.mark.parametrize(
    "url", ["kafka://user:s3cret@127.0.0.1:9092", "127.0.0.1:5672", "http://x"]
)
def test_unknown_scheme_names_the_setting(url: str) -> None:
    with pytest.raises(ValueError, match=BROKER_URL_SETTING) as caught:
        broker_from_url(url)

    assert "s3cret" not in str(caught.value)
