"""The benchmark's load generators: they count, time and fill in bodies as the figures assume."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import LoadGenerator, PythonLoad, Workload, Wrk


class Recorder(BaseHTTPRequestHandler):
    """Answers 201 to POST (recording body and token), 404 to /missing, 200 otherwise."""

    bodies: list[dict[str, str]] = []
    tokens: set[str] = set()

    def do_GET(self) -> None:
        self._answer(404 if self.path == "/missing" else 200)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        Recorder.bodies.append(json.loads(self.rfile.read(length)))
        Recorder.tokens.add(self.headers.get("Authorization", ""))
        self._answer(201)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_: object) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A load generator drops its connections mid-request when its time is up."""


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.bodies, Recorder.tokens = [], set()
    httpd = QuietServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def generators() -> list[LoadGenerator]:
    found = shutil.which("wrk")
    return [PythonLoad(), *([Wrk(found)] if found else [])]


@pytest.mark.parametrize("load", generators(), ids=lambda g: g.name)
def test_a_get_load_counts_requests_and_latency(load: LoadGenerator, server: str) -> None:
    result = load.run(server, Workload("/"), clients=2, seconds=1)
    assert result.requests > 10
    assert result.errors == 0
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms
    assert result.rate > 0


@pytest.mark.parametrize("load", generators(), ids=lambda g: g.name)
def test_failed_requests_are_counted(load: LoadGenerator, server: str) -> None:
    result = load.run(server, Workload("/missing"), clients=1, seconds=1)
    assert result.requests > 0
    assert result.errors == result.requests


@pytest.mark.parametrize("load", generators(), ids=lambda g: g.name)
def test_each_client_posts_its_own_bodies_with_its_own_token(
    load: LoadGenerator, server: str
) -> None:
    body = '{"name": "Writer {client}-{n}"}'
    result = load.run(server, Workload("/c", "POST", ["t1", "t2"], body), clients=2, seconds=1)
    names = [b["name"] for b in Recorder.bodies]
    assert len(names) > 2
    # Requests still in flight when time ran out reach the server but are not counted.
    assert 0 <= len(names) - result.requests <= 2
    assert len(set(names)) == len(names)  # every request got its own name
    assert Recorder.tokens == {"Bearer t1", "Bearer t2"}
