"""Webhook tests: a real receiver on loopback, and a sender that can reach nothing else.

`loopback_only_sender` replaces the connector (and, where asked, the resolver) of
the real `HttpWebhookSender`: a connection to any address but 127.0.0.1 or ::1
fails the test at once, before a packet is sent.
"""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook

from infrastructure.bootstrap import Services
from infrastructure.webhook_sender import HttpWebhookSender, open_connection


class NonLoopbackConnection(AssertionError):
    """The sender was asked to connect somewhere else than loopback."""


@dataclass
class ConnectionGuard:
    """Counts connections and refuses (failing the test) every non-loopback one."""

    opened: list[tuple[str, int]] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)

    def connect(self, address: tuple[str, int], timeout: float) -> socket.socket:
        if not ipaddress.ip_address(address[0]).is_loopback:
            self.refused.append(address)
            raise NonLoopbackConnection(f"asked to connect to {address[0]}:{address[1]}")
        self.opened.append(address)
        return open_connection(address, timeout)


def loopback_only_sender(
    guard: ConnectionGuard,
    *,
    allow_private: bool,
    names: dict[str, list[str]] | None = None,
    timeout: float = 15.0,
) -> HttpWebhookSender:
    """The real sender with the guard as connector; `names` (if given) is the only DNS."""

    def resolve(host: str, port: int) -> list[str]:
        assert names is not None
        if host not in names:
            raise OSError(f"unknown test name {host}")
        return names[host]

    if names is None:
        return HttpWebhookSender(
            allow_private=allow_private, connect=guard.connect, timeout=timeout
        )
    return HttpWebhookSender(
        allow_private=allow_private, connect=guard.connect, resolve=resolve, timeout=timeout
    )


def guard_services(services: Services, guard: ConnectionGuard) -> None:
    """Put the guarded sender into built (not yet started) services."""
    services.app.webhooks.use_webhook_sender(
        loopback_only_sender(guard, allow_private=services.settings.webhooks_allow_private)
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def verified(self, secret: str) -> Any:
        """The JSON body, if the signature verifies with `secret` (else it raises)."""
        return Webhook(secret).verify(self.body, self.headers)


class Receiver:
    """Answers each POST with the next status of `answers` (then 200), recording it.

    `hold` makes the next request wait (unanswered) until `release()`.
    """

    def __init__(self, answers: list[int] | None = None) -> None:
        self.answers = list(answers or [])
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self.holding = threading.Event()
        self.held = threading.Event()
        self.released = threading.Event()
        self.url = ""

    def hold_next(self) -> None:
        self.holding.set()

    def release(self) -> None:
        self.released.set()

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> int:
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length)
        with self.lock:
            self.requests.append(Received(request.path, dict(request.headers.items()), body))
            status = self.answers.pop(0) if self.answers else 200
        if self.holding.is_set():
            self.holding.clear()
            self.held.set()
            self.released.wait(60)
        return status

    def of_type(self, type_name: str, secret: str) -> list[Any]:
        return [
            r.verified(secret) for r in self.requests if r.verified(secret)["type"] == type_name
        ]


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status = receiver.handle(self)
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/docintake"
    try:
        yield receiver
    finally:
        receiver.release()
        server.shutdown()
        server.server_close()


#: The only names the suite's default sender resolves (no DNS query ever leaves the test).
TEST_NAMES = {"localhost": ["127.0.0.1"]}


def keep_webhooks_on_loopback(services: Services) -> ConnectionGuard:
    """The suite's default for every service it builds: webhooks resolve only `TEST_NAMES`
    and a connection to anything but loopback fails (the delivery job, not the network,
    sees the error)."""
    guard = ConnectionGuard()
    services.app.webhooks.use_webhook_sender(
        loopback_only_sender(
            guard, allow_private=services.settings.webhooks_allow_private, names=TEST_NAMES
        )
    )
    return guard
