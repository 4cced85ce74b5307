"""One deadline for the whole request: a receiver on loopback that trickles its answer a
byte at a time (each step well within the socket timeout) is cut off at the deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from application.webhook_ports import WebhookRequest, WebhookUnreachable
from tests.support.webhooks import ConnectionGuard, loopback_only_sender


@contextmanager
def trickling_receiver(pause: float, steps: int) -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(steps):
                if stop.wait(pause):
                    return
                try:
                    connection.sendall(b"X")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/langsam"
    finally:
        stop.set()
        server.close()
        thread.join(timeout=5)


def test_a_trickling_answer_is_cut_off_at_the_deadline() -> None:
    guard = ConnectionGuard()
    sender = loopback_only_sender(guard, allow_private=True, timeout=1.0)
    with trickling_receiver(pause=0.3, steps=30) as url:
        started = time.monotonic()
        with pytest.raises(WebhookUnreachable, match="no answer within 1 s"):
            sender.post(WebhookRequest(url, {"content-type": "application/json"}, b"{}"))
        took = time.monotonic() - started
    assert 0.9 < took < 3.0, took
    assert len(guard.opened) == 1 and guard.refused == []
