"""The job queue: a dramatiq broker chosen by URL, queue statistics, in-process workers.

`DOCINTAKE_BROKER_URL` selects RabbitMQ (`amqp://`), Redis (`redis://`) or, when
unset, dramatiq's in-memory `StubBroker`; in that embedded mode the app runs a
worker in its own process with `start_worker`.

The function never installs the broker as dramatiq's global broker: the caller
decides (`dramatiq.set_broker`), and tests can keep one broker per test.

The RabbitMQ and Redis brokers (pika, redis: about 0.4 s of CPU) are imported only when a
URL asks for them: every `docintake` process of the embedded mode starts without them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import dramatiq
import msgspec
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis, dq_name, q_name, xq_name
from dramatiq.middleware import Middleware, Retries, default_middleware

if TYPE_CHECKING:
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.brokers.redis import RedisBroker

BROKER_URL_SETTING = "DOCINTAKE_BROKER_URL"

#: Retries for mail and similar jobs: the first retry after about a second
#: catches a blip, later ones back off to five minutes, so eight retries wait
#: out a mail server that is down for roughly half an hour before a message
#: is dead-lettered.
DEFAULT_MAX_RETRIES = 8
DEFAULT_MIN_BACKOFF_MS = 1_000
DEFAULT_MAX_BACKOFF_MS = 5 * 60 * 1_000

#: Redis: a worker silent this long counts as dead, and its unfinished messages go
#: back to the queue (RabbitMQ does this the moment the connection drops).
DEFAULT_REDELIVERY_MS = 60_000
#: Redis: the share (per million) of broker commands that also look for dead workers.
#: dramatiq's default (1 in 1,000) leaves a dead worker's messages waiting for many
#: minutes on a quiet queue; the look is one sorted-set range query.
REDIS_MAINTENANCE_CHANCE = 100_000

_RABBITMQ_SCHEMES = {"amqp", "amqps"}
_REDIS_SCHEMES = {"redis", "rediss"}


class QueueStatus(msgspec.Struct, frozen=True):
    """Message counts of one queue, for `docintake jobs status`.

    `queued` waits to be processed, `delayed` waits for its time (retries with
    backoff, scheduled jobs), `dead_lettered` has failed for good.

    What "waiting" includes depends on the broker: Redis and the stub broker
    also count messages a worker has fetched but not finished; RabbitMQ only
    reports messages no worker holds, so messages that a running worker keeps
    in memory until their delay is up are not counted as `delayed` there.
    """

    queue: str
    queued: int
    delayed: int
    dead_lettered: int


def broker_from_url(
    url: str | None,
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    min_backoff_ms: int = DEFAULT_MIN_BACKOFF_MS,
    max_backoff_ms: int = DEFAULT_MAX_BACKOFF_MS,
    redelivery_ms: int = DEFAULT_REDELIVERY_MS,
) -> dramatiq.Broker:
    """A broker for `url` with dramatiq's default middleware and our retry policy.

    `None` (or an empty string) gives a `StubBroker` for the embedded mode.
    Actors can still override the retry options one by one. `redelivery_ms` is
    how long Redis waits before a dead worker's unfinished messages go to others.
    """
    if min_backoff_ms < 1 or max_backoff_ms < min_backoff_ms:
        # dramatiq reads a zero backoff as "use the default of 15 s".
        raise ValueError("backoffs must satisfy 1 <= min_backoff_ms <= max_backoff_ms")
    middleware = _middleware(
        Retries(max_retries=max_retries, min_backoff=min_backoff_ms, max_backoff=max_backoff_ms)
    )
    if not url:
        return StubBroker(middleware=middleware)
    scheme = urlsplit(url).scheme.lower()
    if scheme in _RABBITMQ_SCHEMES:
        # Publisher confirms: without them a message published while RabbitMQ
        # is failing over is silently lost, and deleted queues are not
        # re-declared. Enqueueing is rare enough for the extra round trip.
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=url, middleware=middleware, confirm_delivery=True)
    if scheme in _REDIS_SCHEMES:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(
            url=url,
            middleware=middleware,
            heartbeat_timeout=redelivery_ms,
            maintenance_chance=REDIS_MAINTENANCE_CHANCE,
        )
    # Name only the scheme: the rest of the URL may hold a password.
    raise ValueError(
        f"{BROKER_URL_SETTING} must start with amqp://, amqps://, redis:// or rediss:// "
        f"(or be unset for the embedded queue); got scheme {scheme!r}"
    )


def _middleware(retries: Retries) -> list[Middleware]:
    # Keep dramatiq's defaults in their order, only swapping in our Retries,
    # so the time limit, age limit and shutdown notifications keep working.
    return [retries if cls is Retries else cls() for cls in default_middleware]


def queue_status(broker: dramatiq.Broker) -> list[QueueStatus]:
    """Counts for every queue declared on `broker` (by its actors), sorted by name."""
    queues = sorted({q_name(name) for name in broker.get_declared_queues()})
    # A broker of a kind whose module was never imported cannot exist: no import needed.
    rabbitmq = sys.modules.get("dramatiq.brokers.rabbitmq")
    redis = sys.modules.get("dramatiq.brokers.redis")
    if rabbitmq is not None and isinstance(broker, rabbitmq.RabbitmqBroker):
        return [_rabbitmq_status(broker, queue) for queue in queues]
    if redis is not None and isinstance(broker, redis.RedisBroker):
        return [_redis_status(broker, queue) for queue in queues]
    if isinstance(broker, StubBroker):
        return [_stub_status(broker, queue) for queue in queues]
    raise TypeError(f"no queue statistics for {type(broker).__name__}")


def _rabbitmq_status(broker: RabbitmqBroker, queue: str) -> QueueStatus:
    import pika.exceptions

    try:
        counts = broker.get_queue_message_counts(queue)
    except pika.exceptions.AMQPError:
        # The broker keeps one connection per thread; one left idle past the
        # server's heartbeat timeout is closed, so start over once.
        del broker.connection
        counts = broker.get_queue_message_counts(queue)
    queued, delayed, dead = counts
    return QueueStatus(queue=queue, queued=queued, delayed=delayed, dead_lettered=dead)


def _redis_status(broker: RedisBroker, queue: str) -> QueueStatus:
    # Key layout from dramatiq's brokers/redis/dispatch.lua: `ns:q` lists the
    # ids waiting, `ns:q.msgs` holds every message not yet acknowledged
    # (waiting or being worked on), `ns:q.XQ` is a sorted set of dead-letter
    # ids scored by when they died.
    prefix = f"{broker.namespace}:"
    client = broker.client
    expired_before = current_millis() - broker.dead_message_ttl
    with client.pipeline(transaction=False) as pipe:
        pipe.hlen(f"{prefix}{queue}.msgs")
        pipe.hlen(f"{prefix}{dq_name(queue)}.msgs")
        # Dead letters past their TTL are only swept by occasional
        # maintenance; they are gone as far as anyone should care.
        pipe.zcount(f"{prefix}{xq_name(queue)}", f"({expired_before}", "+inf")
        queued, delayed, dead = pipe.execute()
    return QueueStatus(
        queue=queue, queued=int(queued), delayed=int(delayed), dead_lettered=int(dead)
    )


def _stub_status(broker: StubBroker, queue: str) -> QueueStatus:
    # `unfinished_tasks` rather than `qsize()`: the stub's consumers mark a
    # message done only on ack or nack, so this also counts fetched messages,
    # the same as the Redis numbers.
    return QueueStatus(
        queue=queue,
        queued=broker.queues[queue].unfinished_tasks,
        delayed=broker.queues[dq_name(queue)].unfinished_tasks,
        dead_lettered=len(broker.dead_letters_by_queue[queue]),
    )


def start_worker(
    broker: dramatiq.Broker, worker_threads: int = 2, *, worker_timeout_ms: int = 1_000
) -> dramatiq.Worker:
    """Start a worker on daemon threads of this process for every declared queue.

    Queues declared later (actors imported after the start) are picked up
    too. `worker_timeout_ms` is how long idle threads wait before checking
    for shutdown and for delayed messages that have become due; small values
    make `stop_worker` and retries quicker at the cost of more polling.
    dramatiq supports one worker per process.
    """
    worker = dramatiq.Worker(
        broker, worker_threads=worker_threads, worker_timeout=worker_timeout_ms
    )
    worker.start()
    return worker


def stop_worker(worker: dramatiq.Worker, *, timeout_ms: int = 30_000) -> None:
    """Stop `worker`, letting running jobs finish within `timeout_ms`.

    Unstarted messages go back to the broker. The broker stays open (close it
    with `broker.close()`), and a new worker may be started on it.
    """
    worker.stop(timeout=timeout_ms)
    # Worker.start() registers a middleware that starts a consumer whenever a
    # queue is declared, and Worker.stop() leaves it on the broker: a queue
    # declared later would get a consumer feeding a dead worker, and a second
    # worker on the same broker would get two.
    broker = worker.broker
    broker.middleware = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]
