"""Run the real HTTP stack (uvicorn + Litestar) in a thread, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from infrastructure.bootstrap import Services
from interfaces.http.app import create_app
from interfaces.http.server import server_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(services: Services) -> Iterator[str]:
    """Serve `services` (started and closed by the app's lifespan); yields the base URL.

    It listens on the port of the services' settings unless that is the default,
    which tests must not bind.
    """
    port = services.settings.port if services.settings.port != 8000 else free_port()
    # As `docintake serve` runs it: timeouts, and forwarded headers from trusted proxies only.
    config = server_config(create_app(services), services.settings, host="127.0.0.1", port=port)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
