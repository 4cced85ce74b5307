"""Counting failed attempts per key in a sliding window (in-process)."""

from __future__ import annotations

import time
from collections import deque
from threading import Lock
from typing import Protocol


class AttemptCounter(Protocol):
    """Counts failures per key (an account, a client address) and says how long a key
    must wait. `AttemptLimiter` counts in the process; infrastructure provides one
    shared by every process (`infrastructure.attempt_store`)."""

    limit: int
    window: float

    def retry_after(self, key: str) -> float: ...

    def failed(self, key: str) -> None: ...

    def succeeded(self, key: str) -> None: ...


class AttemptLimiter:
    """Refuses a key after `limit` failures within `window` seconds.

    In-process: with several API processes each counts on its own, so the
    effective limit is per process. Bounded in memory by `max_keys`.
    """

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = Lock()

    def retry_after(self, key: str) -> float:
        """Seconds until the key may try again (0 when it may now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window - now)

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self.max_keys:
                self._failures.pop(next(iter(self._failures)))
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
