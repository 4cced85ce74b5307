"""The right to write one read model (or to play one role, such as running the jobs), held by
at most one process at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Lease(Protocol):
    """One named lease of this process.

    Holding a lease costs nothing per use: `held()` asks no one. Where a lease can
    be lost without its holder noticing at once (a dropped database connection),
    the work it guards carries a fence of its own (the read models' tracking rows).
    """

    name: str

    def acquire(self) -> bool:
        """Take the lease if it is free, without waiting; True if taken now."""

    def want(self, on_change: Callable[[], None] | None = None) -> bool:
        """Hold the lease from now on: take it if it is free, otherwise as soon as its
        holder lets go (or dies), and again after losing it, until `release()`.

        Returns whether it is held now. `on_change` is called (from another thread)
        whenever this process gains or loses the lease.
        """

    def held(self) -> bool:
        """Held by this process, as far as it knows (asks no one)."""

    def wait(self, timeout: float) -> bool:
        """Wait until this process holds the lease; False after `timeout` seconds."""

    def release(self) -> None:
        """Give the lease up and stop wanting it (also happens when the process dies)."""
