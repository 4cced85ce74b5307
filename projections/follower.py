"""Keeps one read model up to date with the event log, a batch per transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from projections.database import Database
from projections.projection import EventSource, Projection
from projections.tracking import advance, create_tracking_table, position_of

log = logging.getLogger(__name__)

PROJECTIONS_CHANNEL = "docintake_projections"


class ProjectionFollower:
    """Reads events after the read model's tracked position and applies them.

    Rows and the new position commit in one transaction, so an event is
    applied exactly once however often the follower stops and starts.
    """

    def __init__(
        self,
        projection: Projection,
        database: Database,
        events: EventSource,
        *,
        batch_size: int = 1000,
        on_advance: Callable[[str, int], None] | None = None,
        tracking_name: str | None = None,
        table_suffix: str = "",
    ) -> None:
        self.projection = projection
        self.database = database
        self.events = events
        self.batch_size = batch_size
        self.on_advance = on_advance
        self.tracking_name = tracking_name or projection.name
        self.table_suffix = table_suffix
        self._wake = threading.Event()
        self._stop = threading.Event()

    def prepare(self) -> int:
        """Create the tables if missing; returns the tracked position."""
        with self.database.transaction() as tx:
            create_tracking_table(tx)
            self.projection.create_tables(tx, self.table_suffix)
            position = position_of(tx, self.tracking_name)
        if self.on_advance:
            self.on_advance(self.tracking_name, position)
        return position

    def process_batch(self, stop: int | None = None) -> int:
        """Apply the next batch; returns how many notifications it passed over."""
        head = self.events.head() if stop is None else stop
        with self.database.transaction() as tx:
            start = position_of(tx, self.tracking_name)
            if start >= head:
                return 0
            batch = self.events.read(start, self.batch_size, head, self.projection.topics)
            # A short batch means every notification up to `head` was seen, even
            # those of topics this projection ignores: its position may jump there.
            end = batch[-1][0] if len(batch) == self.batch_size else head
            self.projection.apply(tx, [event for _, event in batch], self.table_suffix)
            advance(tx, self.tracking_name, start, end)
            tx.notify(PROJECTIONS_CHANNEL, f"{self.tracking_name}:{end}")
        if self.on_advance:
            self.on_advance(self.tracking_name, end)
        return end - start

    def catch_up(self, stop: int | None = None) -> int:
        """Process batches until the read model reaches `stop` (default: the head now)."""
        target = self.events.head() if stop is None else stop
        total = 0
        while not self._stop.is_set():
            moved = self.process_batch(target)
            if moved == 0:
                break
            total += moved
        return total

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self, idle_wait: float = 1.0) -> None:
        """Follow until `stop()`: catch up, sleep until woken (or `idle_wait`), repeat."""
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.catch_up()
            except Exception:
                log.exception("projection %s failed; retrying", self.tracking_name)
                self._stop.wait(1.0)
                continue
            self._wake.wait(idle_wait)
