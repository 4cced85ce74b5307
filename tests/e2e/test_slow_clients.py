"""Slow and endless clients, spoken to with raw sockets: headers that never end, a
kept-alive connection left idle, bodies that stop arriving (aborted with 408, their staged
bytes removed), and bodies larger than the route accepts (413, announced or streamed)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import Settings
from tests.support.api import Account, signup
from tests.support.server import running_server
from tests.support.uploads import create_link, pdf_bytes, token_of

IDLE = 1.0


@pytest.fixture
def server(make_services: Callable[..., Services]) -> Iterator[tuple[str, Services]]:
    services = make_services(
        body_idle_seconds=IDLE, header_timeout_seconds=IDLE, keep_alive_seconds=1
    )
    with running_server(services) as url:
        yield url, services


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def read_until_closed(sock: socket.socket, limit: float = 10) -> tuple[bytes, float]:
    """Everything the server sends until it closes; and how long that took."""
    started = time.monotonic()
    received = b""
    sock.settimeout(limit)
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    return received, time.monotonic() - started


def staged_files(settings: Settings) -> list[Path]:
    return [p for p in settings.data_dir.rglob(".*.tmp") if p.is_file()]


# Headers and idle connections are the HTTP server's own (uvicorn and its protocol), before
# any route or store is reached: SQLite suffices, and the timeouts are not waited out twice.
TRANSPORT_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@TRANSPORT_ONLY
def test_headers_that_never_end_are_cut_off(server: tuple[str, Services]) -> None:
    url, _ = server
    silent = connect(url)
    trickling = connect(url)
    trickling.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    for sock in (silent, trickling):
        received, took = read_until_closed(sock)
        assert received == b""
        assert took < IDLE + 2
        sock.close()


@TRANSPORT_ONLY
def test_an_idle_kept_alive_connection_is_closed(server: tuple[str, Services]) -> None:
    url, _ = server
    sock = connect(url)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200")
    rest, took = read_until_closed(sock)
    assert rest == b""
    assert took < 1 + 2
    sock.close()


def upload_head(token: str, content_length: int | None) -> bytes:
    length = (
        f"Content-Length: {content_length}\r\n"
        if content_length is not None
        else "Transfer-Encoding: chunked\r\n"
    )
    return (
        f"POST /u/{token}/files HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: multipart/form-data; boundary=grenze\r\n"
        f"{length}\r\n"
    ).encode()


FIRST_PART = (
    b'--grenze\r\nContent-Disposition: form-data; name="file"; filename="K\xc3\xbcndigung'
    b' \xe2\x80\x93 2024.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
)


@pytest.fixture
def link(server: tuple[str, Services]) -> dict[str, object]:
    url, _ = server
    with httpx.Client(base_url=url, timeout=30) as client:
        owner: Account = signup(client, plan="team", name="Kanzlei Müller")
        customer = owner.create_customer("Jürgen Weiß")
        return create_link(owner, customer["id"], title="Unterlagen 2024", max_files=2)


def test_bodies_that_stop_arriving_are_aborted_and_their_staging_removed(
    server: tuple[str, Services], link: dict[str, object]
) -> None:
    url, services = server
    token = token_of(link)
    sockets = []
    for _ in range(20):
        sock = connect(url)
        # Announces 3 MB, sends the first 1.2 MB of a PDF (more than one feed, so bytes are
        # staged), then nothing.
        sock.sendall(upload_head(token, 3_000_000) + FIRST_PART + pdf_bytes(1_200_000))
        sockets.append(sock)
    time.sleep(0.3)
    if services.settings.database_url is None:
        assert staged_files(services.settings), "the partial uploads were not being staged"
    for sock in sockets:
        received, took = read_until_closed(sock)
        assert received.startswith(b"HTTP/1.1 408"), received[:200]
        assert b'"request_timeout"' in received
        assert took < IDLE + 3
        sock.close()
    deadline = time.monotonic() + 5
    while staged_files(services.settings) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert staged_files(services.settings) == []
    with httpx.Client(base_url=url) as client:
        files = client.get(f"/u/{token}")
        assert files.status_code == 200  # the link still works, nothing was recorded


def test_a_body_announcing_more_than_the_link_takes_is_refused_before_reading(
    server: tuple[str, Services], link: dict[str, object]
) -> None:
    url, _ = server
    sock = connect(url)
    # Two files of at most 100 MB each: a 10 GB announcement is refused at once.
    sock.sendall(upload_head(token_of(link), 10 * 1024**3) + FIRST_PART)
    received, took = read_until_closed(sock)
    assert received.startswith(b"HTTP/1.1 413"), received[:200]
    assert b'"request_too_large"' in received
    assert took < IDLE
    sock.close()


def test_an_endless_chunked_body_is_cut_off_at_the_route_limit(
    make_services: Callable[..., Services],
) -> None:
    services = make_services(body_idle_seconds=5.0, max_upload_size=100_000)
    with running_server(services) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            owner = signup(client, plan="team")
            customer = owner.create_customer("Straße 1")
            link = create_link(owner, customer["id"], title="Belege", max_files=1)
        sock = connect(url)
        sock.sendall(upload_head(token_of(link), None))
        small = FIRST_PART + pdf_bytes(10_000) + b"\r\n--grenze--\r\n"
        sock.sendall(b"%x\r\n%s\r\n" % (len(small), small))
        # An epilogue after the closing boundary, without end: the server must stop it.
        epilogue = b"x" * 65536
        sent = 0
        refused = False
        try:
            while sent < 64 * 1024 * 1024:
                sock.sendall(b"%x\r\n%s\r\n" % (len(epilogue), epilogue))
                sent += len(epilogue)
        except (BrokenPipeError, ConnectionResetError):
            refused = True
        received, _ = read_until_closed(sock)
        sock.close()
        assert refused or received.startswith(b"HTTP/1.1 413"), received[:200]
        # The limit is ~0.6 MB; what got further sat in the sockets' buffers, unread.
        assert sent < 16 * 1024 * 1024
        with httpx.Client(base_url=url) as client:
            # Nothing was recorded: the link still takes its one file.
            page = client.get(f"/u/{token_of(link)}")
            assert page.status_code == 200
