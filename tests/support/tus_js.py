"""tus-js-client under the machine's Node.js, and a loopback relay that cuts a connection.

The client is pinned in `tests/support/tus_js/package.json` and its lock file; `npm ci`
installs it into that folder's `node_modules` (ignored by git) once: by
`tests/prepare-machine.sh`, or here on first use when the machine was prepared before.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CLIENT_DIR = Path(__file__).parent / "tus_js"
UPLOAD_SCRIPT = CLIENT_DIR / "upload.mjs"
NODE = shutil.which("node") or "/usr/bin/node"


def install_client() -> None:
    """`npm ci` in the client's folder unless it is installed (one process at a time)."""
    installed = CLIENT_DIR / "node_modules" / "tus-js-client" / "package.json"
    with (CLIENT_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed.exists():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "npm is missing: run tests/prepare-machine.sh (installs nodejs, npm)"
            )
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENT_DIR,
            check=True,
            timeout=300,
        )


def run_upload(endpoint: str, path: Path, filename: str, chunk_size: int) -> list[dict[str, Any]]:
    """Upload `path` with tus-js-client; its reports (see upload.mjs), one dict each."""
    install_client()
    finished = subprocess.run(
        [NODE, str(UPLOAD_SCRIPT), endpoint, str(path), filename, str(chunk_size)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    reports = [json.loads(line) for line in finished.stdout.splitlines() if line.strip()]
    assert finished.returncode == 0, (finished.stderr, reports)
    return reports


@dataclass
class CuttingRelay:
    """Relays loopback connections to `target`; once `cut_after` bytes have gone from
    clients towards the server, it closes that connection both ways (once)."""

    target: tuple[str, int]
    cut_after: int
    forwarded: int = 0
    cut: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sockets: list[socket.socket] = field(default_factory=list)

    def _pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        try:
            while chunk := source.recv(64 * 1024):
                if upstream:
                    with self._lock:
                        room = self.cut_after - self.forwarded
                        if not self.cut and len(chunk) >= room:
                            self.cut = True
                            sink.sendall(chunk[: max(room, 0)])
                            self.forwarded += max(room, 0)
                            raise ConnectionAbortedError
                        self.forwarded += len(chunk)
                sink.sendall(chunk)
        except OSError:
            pass
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=30)
            server.settimeout(None)
            self._sockets += [client, server]
            for source, sink, upstream in ((client, server, True), (server, client, False)):
                threading.Thread(
                    target=self._pump, args=(source, sink, upstream), daemon=True
                ).start()


@contextmanager
def cutting_relay(base_url: str, cut_after: int) -> Iterator[tuple[str, CuttingRelay]]:
    """A relay to the server at `base_url` on a port of its own: (its base URL, the relay)."""
    parts = urlsplit(base_url)
    assert parts.hostname in ("127.0.0.1", "localhost") and parts.port
    relay = CuttingRelay(("127.0.0.1", parts.port), cut_after)
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=relay._serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", relay
    finally:
        # Closing a listening socket does not wake a thread blocked in its accept() (the
        # join would wait out its timeout); shutting it down does.
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for end in relay._sockets:
            end.close()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the relay did not stop"
