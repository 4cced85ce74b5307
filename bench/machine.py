"""What the figures were measured on: they mean little without it."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.postgres import server_version


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _postgres_version() -> str:
    try:
        return server_version()
    except Exception as error:  # the figures matter more than this line
        return f"unknown ({type(error).__name__})"


def load_average() -> float:
    """The 1-minute load average: above the core count, other work shared the machine."""
    return round(os.getloadavg()[0], 2)


def describe(mode: str, load_tool: str, load_at_start: float) -> dict[str, Any]:
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": _postgres_version(),
        "load_generator": load_tool,
        "load_average_at_start": load_at_start,
        "load_average_at_end": load_average(),
        "git_commit": _git_commit(),
    }
