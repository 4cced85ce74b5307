"""Runs a read model's follower only while holding that read model's lease.

Any number of processes may run the same projection (API processes, `docintake
projections run`); exactly one of them holds the lease and writes, the others
wait and take over when it goes away.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from projections.follower import ProjectionFollower

log = logging.getLogger(__name__)


class Lease(Protocol):
    """The right to write one read model, held by at most one runner at a time."""

    name: str

    def acquire(self) -> bool:
        """Take the lease if it is free; never blocks. True if this runner now holds it."""

    def held(self) -> bool:
        """Still held? (False once the lease's connection or file has been lost.)"""

    def release(self) -> None:
        """Give the lease up (also happens by itself when the process dies)."""


class ProjectionRunner:
    """Follows the event log for one projection while it holds the lease; stands by otherwise.

    Standing by, it still reads the tracked position now and then, so the
    process learns how far the read model is (for read-your-writes) even when
    another process writes it.
    """

    def __init__(
        self,
        follower: ProjectionFollower,
        lease: Lease,
        *,
        standby_poll: float = 0.5,
        idle_wait: float = 1.0,
    ) -> None:
        self.follower = follower
        self.lease = lease
        self.standby_poll = standby_poll
        self.idle_wait = idle_wait
        self._stop = threading.Event()
        self._holding = threading.Event()
        self.finished = threading.Event()

    @property
    def name(self) -> str:
        return self.follower.tracking_name

    @property
    def holding(self) -> bool:
        """True while this runner holds the lease and writes."""
        return self._holding.is_set()

    def wait_until_holding(self, timeout: float) -> bool:
        return self._holding.wait(timeout)

    def wake(self) -> None:
        self.follower.wake()

    def stop(self) -> None:
        """Stop after the batch in hand; `run()` then returns."""
        self._stop.set()
        self.follower.stop()

    def run(self) -> None:
        """Until `stop()`: hold the lease and follow, or stand by for it."""
        try:
            self._run()
        finally:
            self.finished.set()

    def _run(self) -> None:
        announced_standby = False
        while not self._stop.is_set():
            try:
                acquired = self.lease.acquire()
            except Exception:
                log.warning("%s: cannot reach the lease; retrying", self.name, exc_info=True)
                self._stop.wait(self.standby_poll)
                continue
            if not acquired:
                if not announced_standby:
                    log.info("%s: another runner holds it; standing by", self.name)
                    announced_standby = True
                self._refresh_position()
                self._stop.wait(self.standby_poll)
                continue
            announced_standby = False
            self._hold()

    def _hold(self) -> None:
        log.info("%s: holding the lease, following the event log", self.name)
        self._holding.set()
        try:
            self.follower.prepare()
            self.follower.run(self.idle_wait, keep_going=self.lease.held)
        except Exception:
            log.exception("%s: follower failed; giving the lease up", self.name)
            self._stop.wait(1.0)
        finally:
            self._holding.clear()
            self.lease.release()
        if not self._stop.is_set():
            log.warning("%s: lost the lease; standing by", self.name)

    def _refresh_position(self) -> None:
        try:
            position = self.follower.position()
        except Exception:
            # The tables may not exist yet: the lease holder creates them.
            return
        if self.follower.on_advance:
            self.follower.on_advance(self.follower.tracking_name, position)
