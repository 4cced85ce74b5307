"""The server under test: `docintake serve` in its own process, on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

DOCINTAKE = Path(sys.executable).with_name("docintake")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A running `docintake serve`; knows its URL and reads its memory from /proc."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    @property
    def pid(self) -> int:
        return self.process.pid

    def status_kib(self, key: str) -> int:
        """A `VmRSS`/`VmHWM` line of /proc/PID/status, in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        raise KeyError(key)

    def reset_peak(self) -> bool:
        """Reset VmHWM to the current RSS (Linux `clear_refs` 5); False where not allowed."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"docintake serve exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"docintake serve was not ready within {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running_server(
    settings: Mapping[str, str], log_path: Path, ready_timeout: float = 120, attempts: int = 3
) -> Iterator[ServerProcess]:
    """Start `docintake serve` with these DOCINTAKE_* settings (nothing else of ours leaks in).

    A start that fails (a port taken meanwhile, PostgreSQL briefly out of
    connections on a shared machine) is tried again.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCINTAKE_")}
    env.update(settings)
    env.setdefault("DOCINTAKE_LOG_LEVEL", "WARNING")
    for attempt in range(1, attempts + 1):
        port = free_port()
        env.update({"DOCINTAKE_HOST": "127.0.0.1", "DOCINTAKE_PORT": str(port)})
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(DOCINTAKE), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        server = ServerProcess(process, port, log_path)
        try:
            server.wait_until_ready(ready_timeout)
            break
        except RuntimeError:
            server.stop()
            if attempt == attempts:
                raise
            time.sleep(5)
    try:
        yield server
    finally:
        server.stop()
