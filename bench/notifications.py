"""End-to-end time from an upload to its notification mail at the SMTP server, per queue mode.

`docintake serve` (and, with a broker, `docintake worker`) run as processes of
their own against an aiosmtpd server on loopback that notes when each message
arrives. Each round uploads one file through the public upload page and waits
for the team's notice naming it: the time from sending the upload request to
the mail server receiving the notice. Uploads go one at a time (the path of one
upload, not a queue under load), with `DOCINTAKE_NOTIFICATION_DIGEST_SECONDS=0`
so that no digest window holds a notice back.

    python -m bench.notifications [--uploads 50] [--modes embedded rabbitmq redis]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import httpx
import pika
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.server import DOCINTAKE, free_port, running_server

BROKERS = {
    "embedded": None,
    "rabbitmq": os.environ.get("DOCINTAKE_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
    "redis": os.environ.get("DOCINTAKE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
}
JOB_KINDS = ("send_link", "notify_upload", "deliver_notices", "expire_links", "sweep_storage")
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class NotificationLatency:
    """Milliseconds from sending an upload to its notice arriving, over `samples` uploads."""

    mode: str
    samples: int
    median_ms: float
    p95_ms: float
    max_ms: float


class ArrivalRecorder:
    """aiosmtpd handler: keeps each message with the `time.monotonic()` it arrived at."""

    def __init__(self) -> None:
        self.arrived: list[tuple[float, EmailMessage]] = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        at = time.monotonic()
        raw = envelope.original_content or b""
        message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(raw)
        with self.changed:
            self.arrived.append((at, message))
            self.changed.notify_all()
        return "250 OK"

    def wait_for(self, filename: str, timeout: float) -> float:
        """When the notice naming `filename` arrived."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for at, message in self.arrived:
                    if message["Message-ID"].startswith("<upload-") and filename in _text(message):
                        return at
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no notice for {filename} within {timeout} s")
                self.changed.wait(remaining)


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


@contextmanager
def _smtp_server() -> Iterator[tuple[str, ArrivalRecorder]]:
    recorder = ArrivalRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", recorder
    finally:
        controller.stop()


def _delete_queues(broker_url: str | None, prefix: str) -> None:
    if broker_url is None:
        return
    names = [f"{prefix}.{kind}{tail}" for kind in JOB_KINDS for tail in ("", ".DQ", ".XQ")]
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
        client.delete(*[f"dramatiq:{name}{tail}" for name in names for tail in ("", ".msgs")])
    finally:
        client.close()


@contextmanager
def _worker(settings: dict[str, str], log_path: Path) -> Iterator[None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTAKE_")}
    env.update(settings)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(DOCINTAKE), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def measure_notifications(
    mode: str, uploads: int = 50, database_url: str | None = None, timeout: float = 30.0
) -> NotificationLatency:
    """Median, p95 and worst time from upload to notice in one queue mode.

    `mode` is `embedded`, `rabbitmq` or `redis`; `database_url` puts the store in
    PostgreSQL (default: SQLite files in a temporary folder).
    """
    broker_url = BROKERS[mode]
    prefix = f"bench-{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="notify-bench-")))
        smtp_url, recorder = stack.enter_context(_smtp_server())
        settings = {
            "DOCINTAKE_DATA_DIR": str(work / "data"),
            "DOCINTAKE_SMTP_URL": smtp_url,
            "DOCINTAKE_NOTIFICATION_DIGEST_SECONDS": "0",
            "DOCINTAKE_JOB_QUEUE_PREFIX": prefix,
            "DOCINTAKE_LOG_LEVEL": "WARNING",
        }
        if broker_url:
            settings["DOCINTAKE_BROKER_URL"] = broker_url
            stack.callback(_delete_queues, broker_url, prefix)
        if database_url:
            settings["DOCINTAKE_DATABASE_URL"] = database_url
        server = stack.enter_context(running_server(settings, work / "serve.log"))
        if broker_url:
            stack.enter_context(_worker(settings, work / "worker.log"))
        http = stack.enter_context(httpx.Client(base_url=server.url, timeout=timeout))
        token_url = _prepare_link(http)
        durations = []
        # One upload before measuring: the first job of a process pays for imports.
        for number in range(uploads + 1):
            filename = f"bench-{number:03d}.pdf"
            content = b"%PDF-1.4\n" + os.urandom(4096)
            started = time.monotonic()
            response = http.post(
                f"{token_url}/files", files=[("file", (filename, content, "application/pdf"))]
            )
            response.raise_for_status()
            arrived = recorder.wait_for(filename, timeout)
            if number:
                durations.append((arrived - started) * 1000)
    ordered = sorted(durations)
    return NotificationLatency(
        mode=mode,
        samples=len(ordered),
        median_ms=statistics.median(ordered),
        p95_ms=ordered[max(0, round(0.95 * len(ordered)) - 1)],
        max_ms=ordered[-1],
    )


def _prepare_link(http: httpx.Client) -> str:
    """An organisation with one member (the owner), a customer and a link: the upload path."""
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    signed = http.post(
        "/api/v1/signup",
        json={"organization_name": "Bench", "email": email, "password": PASSWORD, "plan": "team"},
    )
    signed.raise_for_status()
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    customer = http.post("/api/v1/customers", json={"name": "Bench Kunde"}, headers=headers)
    customer.raise_for_status()
    link = http.post(f"/api/v1/customers/{customer.json()['id']}/links", json={}, headers=headers)
    link.raise_for_status()
    url: str = link.json()["url"]
    return "/" + url.split("/", 3)[3]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--modes", nargs="+", default=list(BROKERS), choices=list(BROKERS))
    parser.add_argument("--database-url", default=None, help="postgresql://... (default SQLite)")
    arguments = parser.parse_args(argv)
    for mode in arguments.modes:
        figure = measure_notifications(mode, arguments.uploads, arguments.database_url)
        print(
            f"{mode:<9} {figure.samples} uploads: median {figure.median_ms:.0f} ms, "
            f"p95 {figure.p95_ms:.0f} ms, max {figure.max_ms:.0f} ms",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
