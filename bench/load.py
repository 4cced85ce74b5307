"""Load from a separate process on loopback, bounded in time: wrk, or our own Python client.

wrk (Debian's package) is preferred: it costs the 2 cores far less than any
Python client would. Where it is missing the harness tries `apt-get install
wrk` once, and otherwise falls back to `python -m bench.load_python`, a
thread-per-connection client in its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

MARKER = "BENCH_JSON "


@dataclass(frozen=True)
class Workload:
    """What every client sends: one request shape, one token per client (round robin).

    `body` may hold `{client}` and `{n}`: replaced per request, so that every
    created customer has its own name.
    """

    path: str
    method: str = "GET"
    tokens: Sequence[str] = ()
    body: str | None = None


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def parse(cls, output: str) -> LoadResult:
        for line in output.splitlines():
            if line.startswith(MARKER):
                data: dict[str, Any] = json.loads(line[len(MARKER) :])
                return cls(
                    requests=int(data["requests"]),
                    errors=int(data["errors"]),
                    seconds=float(data["seconds"]),
                    p50_ms=float(data["p50_ms"]),
                    p95_ms=float(data["p95_ms"]),
                    p99_ms=float(data["p99_ms"]),
                )
        raise RuntimeError(f"the load generator printed no result:\n{output[-2000:]}")


class LoadGenerator(Protocol):
    name: str
    version: str

    def run(self, base_url: str, workload: Workload, clients: int, seconds: float) -> LoadResult:
        """Keep `clients` connections busy with `workload` for `seconds`."""


def _lua_string(text: str) -> str:
    if not text.isascii():
        raise ValueError("wrk's Lua 5.1 has no \\u escapes: keep scripts ASCII")
    return json.dumps(text)  # an ASCII JSON string literal is a valid Lua string literal


class Wrk:
    """wrk with a Lua script: per-thread tokens, per-request bodies, p95 in `done()`."""

    name = "wrk"

    def __init__(self, executable: str) -> None:
        self.executable = executable
        # "wrk debian/4.1.0-3+b2 [epoll] Copyright ..." -> "wrk debian/4.1.0-3+b2"
        self.version = " ".join(_first_line([executable, "--version"]).split()[:2]) or "wrk"

    def script(self, workload: Workload) -> str:
        tokens = ", ".join(_lua_string(t) for t in workload.tokens) or '""'
        body = "nil" if workload.body is None else _lua_string(workload.body)
        return f"""
local tokens = {{{tokens}}}
local method = {_lua_string(workload.method)}
local path = {_lua_string(workload.path)}
local body_template = {body}
local created = 0
function setup(thread)
  created = created + 1
  thread:set("id", created)
end
function init(args)
  token = tokens[((id - 1) % #tokens) + 1]
  counter = 0
  headers = {{["Content-Type"] = "application/json"}}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
end
function request()
  counter = counter + 1
  local body = nil
  if body_template then
    body = body_template:gsub("{{client}}", tostring(id)):gsub("{{n}}", tostring(counter))
  end
  return wrk.format(method, path, headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{MARKER}{{"requests": %d, "errors": %d, "seconds": %f, '
    .. '"p50_ms": %f, "p95_ms": %f, "p99_ms": %f}}\\n',
    summary.requests, e.status + e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3))
end
"""

    def run(self, base_url: str, workload: Workload, clients: int, seconds: float) -> LoadResult:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(self.script(workload))
        try:
            # One thread per connection, so each connection keeps its own token.
            command = [
                self.executable,
                f"-t{clients}",
                f"-c{clients}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                handle.name,
                base_url,
            ]
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=seconds + 60, check=False
            )
        finally:
            os.unlink(handle.name)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-2000:]}")
        return LoadResult.parse(done.stdout)


class PythonLoad:
    """`python -m bench.load_python`: threads, one persistent connection each, own process."""

    name = "python (bench.load_python)"
    version = f"bench.load_python on Python {sys.version.split()[0]}"

    def run(self, base_url: str, workload: Workload, clients: int, seconds: float) -> LoadResult:
        config = {
            "base_url": base_url,
            "path": workload.path,
            "method": workload.method,
            "tokens": list(workload.tokens),
            "body": workload.body,
            "clients": clients,
            "seconds": seconds,
        }
        done = subprocess.run(
            [sys.executable, "-m", "bench.load_python"],
            input=json.dumps(config),
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
            cwd=Path(__file__).resolve().parent.parent,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench.load_python failed: {done.stderr[-2000:]}")
        return LoadResult.parse(done.stdout)


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def install_wrk() -> str | None:
    """Debian's wrk, installed with apt-get when we are root and it is missing."""
    found = shutil.which("wrk")
    if found or os.environ.get("BENCH_NO_INSTALL"):
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return None
    print("bench: wrk is missing; installing Debian's wrk package", flush=True)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        try:
            subprocess.run(command, capture_output=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
    return shutil.which("wrk")


def load_generator(prefer: str = "wrk") -> LoadGenerator:
    if prefer == "wrk":
        executable = install_wrk()
        if executable:
            return Wrk(executable)
        print("bench: wrk unavailable; using the Python load generator", flush=True)
    return PythonLoad()
