"""Helpers for background-job tests: the three queue modes, their cleanup, `docintake`
processes (worker, serve) with their logs, and a mail server that can hold a session."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any

import httpx
import pika
import redis
from aiosmtpd.smtp import SMTP, Envelope, Session

from application.jobs.kinds import JobKind
from infrastructure.bootstrap import Services
from tests.support.cli import DOCINTAKE
from tests.support.smtp_loopback import LoopbackSmtpServer

AMQP_URL = os.environ.get("DOCINTAKE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REDIS_URL = os.environ.get("DOCINTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: Queue names of job tests start with this and a fresh id, so parallel test workers
#: never consume each other's jobs; afterwards the queues are deleted.
TEST_QUEUE_PREFIX = "test-jobs-"

#: Settings that make retries and waits take milliseconds.
FAST_JOBS: dict[str, Any] = {
    "job_retries": 2,
    "job_backoff_seconds": 0.05,
    "maintenance_interval_seconds": 3600.0,
    "job_redelivery_seconds": 3.0,
}


@dataclass
class Deployment:
    """A running API (`url`, `http`) on `api`; with a broker also a `worker` running jobs."""

    api: Services
    url: str
    http: httpx.Client
    worker: Services | None


#: `deploy(**settings)` of tests/integration/jobs: a context manager giving a `Deployment`.
Deploy = Callable[..., AbstractContextManager[Deployment]]


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what or condition}")


def wait_until_healthy(url: str, alive: Callable[[], object], timeout: float = 30.0) -> None:
    """Wait until the server at `url` answers its health check; `alive()` asserts that the
    process starting it still runs. One client for every try: `httpx.get` builds a TLS
    context per call (some 50 ms of CPU), which every 20 ms would take a core from the very
    process being waited for."""
    with httpx.Client(timeout=1) as http:

        def up() -> bool:
            alive()
            try:
                return http.get(f"{url}/health").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=timeout, what=f"the server at {url}")


def delete_queues(broker_url: str | None, prefix: str) -> None:
    """Remove every queue (with its delay and dead-letter queues) named `prefix...`."""
    if broker_url is None:
        return
    suffixes = ("", ".DQ", ".XQ")
    kinds = [kind.value for kind in JobKind]
    names = [f"{prefix}.{kind}{suffix}" for kind in kinds for suffix in suffixes]
    if broker_url.startswith("amqp"):
        connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        try:
            channel = connection.channel()
            for name in names:
                channel.queue_delete(name)
        finally:
            connection.close()
        return
    client = redis.Redis.from_url(broker_url)
    try:
        keys = [f"dramatiq:{name}{tail}" for name in names for tail in ("", ".msgs")]
        client.delete(*keys)
        acks = list(client.scan_iter(match=f"dramatiq:__acks__.*.{prefix}.*"))
        if acks:
            client.delete(*acks)
    finally:
        client.close()


class DocintakeProcess:
    """`docintake ARGS` in a process of its own, its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path, *arguments: str) -> None:
        self.log_path = log
        self._log: IO[str] = log.open("w")
        self.process = subprocess.Popen(
            [DOCINTAKE, *arguments], env=env, stdout=self._log, stderr=subprocess.STDOUT, text=True
        )

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a crash."""
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.terminate()
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self._log.close()


class StallingSmtpServer(LoopbackSmtpServer):
    """Holds the first session at its RCPT until `release()`: the sender is then in the
    middle of delivering, with nothing delivered yet."""

    def __init__(self) -> None:
        super().__init__(port=0)
        self.stalled = threading.Event()
        self.released = threading.Event()
        self._first = True

    def release(self) -> None:
        self.released.set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._first:
            self._first = False
            self.stalled.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
            # The sender may be gone by now; its session then ends without DATA.
        return await super().handle_RCPT(server, session, envelope, address, options)


def messages_to(server: LoopbackSmtpServer, address: str) -> list[EmailMessage]:
    with server.lock:
        return [m for m in server.messages if m["To"] == address]
