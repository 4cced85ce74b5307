"""Keeps one read model up to date with the event log, a batch per transaction."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from projections.database import Database, Transaction
from projections.projection import EventSource, Projection
from projections.tracking import (
    TrackingConflict,
    advance,
    create_tracking_table,
    ensure_tracked,
    lock_position,
    position_of,
)

log = logging.getLogger(__name__)

PROJECTIONS_CHANNEL = "docintake_projections"

# How many batches the reader may decode ahead of the one being written.
PREFETCH_BATCHES = 2


def always() -> bool:
    return True


@dataclass(frozen=True)
class Batch:
    """Events read after `after` up to `end`: applying them moves the position to `end`."""

    after: int
    end: int
    events: list[Any]


class ProjectionFollower:
    """Reads events after the read model's tracked position and applies them.

    Rows and the new position commit in one transaction, so an event is
    applied exactly once however often the follower stops, starts or is killed.
    A follower far behind (catching up, or a rebuild) reads and decodes the next
    batches in a second thread while the current one is written, so reading the
    log and writing the rows overlap.
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
        batch_pause: float = 0.0,
        durable: bool = True,
    ) -> None:
        self.projection = projection
        self.database = database
        self.events = events
        self.batch_size = batch_size
        self.on_advance = on_advance
        self.tracking_name = tracking_name or projection.name
        self.table_suffix = table_suffix
        # Only crash tests set this: it holds each batch's transaction open after
        # the rows are written, so a runner can be killed mid-batch on purpose.
        self.batch_pause = batch_pause
        # A rebuild's copy need not wait for each commit to reach the disk: after a
        # crash, rows and position are lost together and the copy is built again.
        self.durable = durable
        self._wake = threading.Event()
        self._stop = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def prepare(self) -> int:
        """Create the tables if missing; returns the tracked position."""
        with self.database.transaction() as tx:
            create_tracking_table(tx)
            ensure_tracked(tx, self.tracking_name)
            self.projection.create_tables(tx, self.table_suffix)
            position = position_of(tx, self.tracking_name)
        self._advanced(position)
        return position

    def position(self) -> int:
        """The tracked position as committed now."""
        with self.database.reading() as tx:
            return position_of(tx, self.tracking_name)

    def _advanced(self, position: int) -> None:
        if self.on_advance:
            self.on_advance(self.tracking_name, position)

    def _read(self, after: int, stop: int) -> Batch:
        events = self.events.read(after, self.batch_size, stop, self.projection.topics)
        # A short batch means every notification up to `stop` was seen, even those
        # of topics this projection ignores: its position may jump there.
        end = events[-1][0] if len(events) == self.batch_size else stop
        return Batch(after, end, [event for _, event in events])

    def _apply(self, tx: Transaction, batch: Batch) -> None:
        if not self.durable and tx.dialect == "postgres":
            tx.execute("SET LOCAL synchronous_commit = off")
        self.projection.apply(tx, batch.events, self.table_suffix)
        if self.batch_pause:
            time.sleep(self.batch_pause)
        advance(tx, self.tracking_name, batch.after, batch.end)
        tx.notify(PROJECTIONS_CHANNEL, f"{self.tracking_name}:{batch.end}")

    def _committed(self, batch: Batch) -> None:
        log.debug(
            "%s: applied %d events up to %d", self.tracking_name, len(batch.events), batch.end
        )
        self._advanced(batch.end)

    def _write(self, batch: Batch) -> None:
        """Apply a batch read ahead of time, unless the position moved meanwhile."""
        with self.database.transaction() as tx:
            start = lock_position(tx, self.tracking_name)
            if start != batch.after:
                raise TrackingConflict(
                    f"{self.tracking_name} is at {start}, not {batch.after}:"
                    " another runner moved it"
                )
            self._apply(tx, batch)
        self._committed(batch)

    def process_batch(self, stop: int | None = None) -> int:
        """Apply the next batch; returns how many notifications it passed over."""
        head = self.events.head() if stop is None else stop
        with self.database.transaction() as tx:
            start = lock_position(tx, self.tracking_name)
            if start >= head:
                return 0
            batch = self._read(start, head)
            self._apply(tx, batch)
        self._committed(batch)
        return batch.end - start

    def catch_up(
        self,
        stop: int | None = None,
        *,
        keep_going: Callable[[], bool] = always,
        on_progress: Callable[[int], None] | None = None,
    ) -> int:
        """Process batches until the read model reaches `stop` (default: the head now).

        Stops early, after the batch in hand, when `stop()` is called or
        `keep_going()` turns false. Returns how many notifications it passed over.
        """
        target = self.events.head() if stop is None else stop
        start = self.position()
        if target - start > self.batch_size:
            try:
                return self._catch_up_pipelined(start, target, keep_going, on_progress)
            except TrackingConflict:
                log.info("%s: another runner moved the position; re-reading", self.tracking_name)
        total = 0
        while not self._stop.is_set() and keep_going():
            moved = self.process_batch(target)
            if moved == 0:
                break
            total += moved
            if on_progress:
                on_progress(self.position())
        return total

    def _catch_up_pipelined(
        self,
        start: int,
        target: int,
        keep_going: Callable[[], bool],
        on_progress: Callable[[int], None] | None,
    ) -> int:
        batches: queue.Queue[Batch | BaseException | None] = queue.Queue(PREFETCH_BATCHES)
        cancelled = threading.Event()

        def offer(item: Batch | BaseException | None) -> bool:
            while not cancelled.is_set():
                try:
                    batches.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def read_ahead() -> None:
            after = start
            try:
                while after < target and not cancelled.is_set():
                    batch = self._read(after, target)
                    if not offer(batch):
                        return
                    after = batch.end
                offer(None)
            except BaseException as error:
                offer(error)

        reader = threading.Thread(
            target=read_ahead, name=f"read-ahead-{self.tracking_name}", daemon=True
        )
        reader.start()
        position = start
        try:
            while not self._stop.is_set() and keep_going():
                item = batches.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                self._write(item)
                position = item.end
                if on_progress:
                    on_progress(position)
        finally:
            cancelled.set()
            reader.join()
        return position - start

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def run(self, idle_wait: float = 1.0, keep_going: Callable[[], bool] = always) -> None:
        """Follow until `stop()` (or `keep_going()` turns false): catch up, sleep until woken
        (or `idle_wait`), repeat."""
        while not self._stop.is_set() and keep_going():
            self._wake.clear()
            try:
                self.catch_up(keep_going=keep_going)
            except Exception:
                log.exception("projection %s failed; retrying", self.tracking_name)
                self._stop.wait(1.0)
                continue
            self._wake.wait(idle_wait)
