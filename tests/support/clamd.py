"""A real clamd on loopback for scanning tests, with a signature database of our own.

No signature download is possible (or wanted) in tests: the database holds one line,
the MD5 and size of the standard 68-byte EICAR test file. Limits are raised above the
largest upload and `AlertExceedsMax` is on, so a file over a limit is reported as found
(`Heuristics.Limits.Exceeded...`), never as clean.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CLAMD = Path("/usr/sbin/clamd")
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SIGNATURE = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Clamd:
    """A clamd process of the test's own; `stop()` and `start()` it to test outages."""

    root: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _config(self) -> Path:
        database = self.root / "signatures"
        database.mkdir(parents=True, exist_ok=True)
        (database / "test.hdb").write_text(EICAR_SIGNATURE + "\n")
        config = self.root / "clamd.conf"
        config.write_text(
            "\n".join(
                [
                    f"DatabaseDirectory {database}",
                    f"TCPSocket {self.port}",
                    "TCPAddr 127.0.0.1",
                    "Foreground yes",
                    "StreamMaxLength 4000M",
                    "MaxFileSize 4000M",
                    "MaxScanSize 4000M",
                    "AlertExceedsMax yes",
                    f"LogFile {self.root / 'clamd.log'}",
                    f"TemporaryDirectory {self.root}",
                    "",
                ]
            )
        )
        return config

    def start(self, timeout: float = 60) -> None:
        if not CLAMD.exists():
            pytest.fail("clamd is missing: tests/prepare-machine.sh installs clamav-daemon")
        self.root.mkdir(parents=True, exist_ok=True)
        log = (self.root / "clamd.out").open("ab")
        self.process = subprocess.Popen(
            [str(CLAMD), "-c", str(self._config())], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"clamd exited, see {self.root / 'clamd.out'}")
            if self.answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"clamd did not answer within {timeout} s")

    def answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection,
        ):
            connection.sendall(b"zPING\0")
            return connection.recv(16).startswith(b"PONG")
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
def clamd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clamd]:
    """One clamd per test worker, shared by the tests that only scan."""
    clamd = Clamd(tmp_path_factory.mktemp("clamd"))
    clamd.start()
    try:
        yield clamd
    finally:
        clamd.stop()


@pytest.fixture
def own_clamd(tmp_path: Path) -> Iterator[Clamd]:
    """A clamd for one test, which it may stop and start again."""
    clamd = Clamd(tmp_path / "clamd")
    clamd.start()
    try:
        yield clamd
    finally:
        clamd.stop()
