"""Readiness: ask every backing store at once and answer within a deadline.

A probe with a short timeout must get an answer, not a timeout: each store is
asked in a thread of its own, and whatever has not answered when the deadline
passes is reported as down ("no answer within 0.8 s"). A check that hangs (a
database restarting, a connection attempt into a silent network) is not asked
again while it still hangs: the next probe waits for the same attempt, so
probes never pile up threads.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import psycopg

#: How long `/ready` waits for the stores: well inside a one-second probe timeout.
READY_DEADLINE_SECONDS = 0.8
#: Connection timeout of the dedicated checks (they must not outlive many probes).
CHECK_CONNECT_TIMEOUT_SECONDS = 2

Check = Callable[[], object]


class _Attempt:
    """One run of one check, in a daemon thread; `problem` is None once it answered."""

    def __init__(self, check: Check) -> None:
        self.done = threading.Event()
        self.problem: str | None = None
        self._check = check
        threading.Thread(target=self._run, name="readiness-check", daemon=True).start()

    def _run(self) -> None:
        try:
            self._check()
        except Exception as error:
            self.problem = _describe(error)
        finally:
            self.done.set()


def _describe(error: Exception) -> str:
    """The kind of failure, never its message (it may carry addresses or names)."""
    return type(error).__name__


class ReadinessProbe:
    """Runs named checks concurrently; reports those that failed or did not answer."""

    def __init__(
        self, checks: Mapping[str, Check], deadline: float = READY_DEADLINE_SECONDS
    ) -> None:
        self.checks = dict(checks)
        self.deadline = deadline
        self._running: dict[str, _Attempt] = {}
        self._lock = threading.Lock()

    def problems(self) -> dict[str, str]:
        """`{store: what went wrong}` for every store that is not ready (empty: all are)."""
        with self._lock:
            attempts = {name: self._attempt(name) for name in self.checks}
        until = time.monotonic() + self.deadline
        problems: dict[str, str] = {}
        for name, attempt in attempts.items():
            if not attempt.done.wait(max(0.0, until - time.monotonic())):
                problems[name] = f"no answer within {self.deadline:g} s"
            elif attempt.problem is not None:
                problems[name] = attempt.problem
        return problems

    def _attempt(self, name: str) -> _Attempt:
        running = self._running.get(name)
        if running is not None and not running.done.is_set():
            return running  # still hanging: wait for it rather than start another
        attempt = _Attempt(self.checks[name])
        self._running[name] = attempt
        return attempt


def postgres_check(url: str) -> Check:
    """Connect afresh and run one statement: a pool's old connections would hide a
    restarted server (or wait for it), a new one tells the truth."""

    def check() -> None:
        with psycopg.connect(
            url, connect_timeout=CHECK_CONNECT_TIMEOUT_SECONDS, autocommit=True
        ) as connection:
            connection.execute("SELECT 1")

    return check


def broker_check(url: str) -> Check:
    """Open a connection to the broker (RabbitMQ or Redis) and close it again."""
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        import redis

        def check_redis() -> None:
            client = redis.Redis.from_url(
                url,
                socket_timeout=CHECK_CONNECT_TIMEOUT_SECONDS,
                socket_connect_timeout=CHECK_CONNECT_TIMEOUT_SECONDS,
            )
            try:
                client.ping()
            finally:
                client.close()

        return check_redis

    return amqp_check(url)


#: The AMQP 0-9-1 protocol header a client opens with.
AMQP_HEADER = b"AMQP\x00\x00\x09\x01"
#: A broker answers it with a method frame (type 1) carrying Connection.Start.
AMQP_METHOD_FRAME = 1


def amqp_check(url: str) -> Check:
    """The broker answers the AMQP handshake: its first frame, without logging in (a full
    connection through pika would log errors on every probe while the broker is down)."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)

    def check() -> None:
        with socket.create_connection((host, port), timeout=CHECK_CONNECT_TIMEOUT_SECONDS) as sock:
            if parts.scheme == "amqps":
                return  # TLS would need the certificate setup: the port answering must do
            sock.sendall(AMQP_HEADER)
            first = sock.recv(1)
            if not first or first[0] != AMQP_METHOD_FRAME:
                raise ConnectionError("the broker did not answer the AMQP handshake")

    return check
