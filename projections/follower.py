"""Brings one projection (or a rebuild's copy of one) up to a position, a batch per transaction.

The projection host (`projections.host`) keeps the live read models and policies
up to date; this follower serves the one-off work: a rebuild's or a
verification's copy, and catching one projection up on request.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from projections.database import Database, Transaction
from projections.poison import Passing, apply_or_poison, create_poison_table
from projections.projector import EventSource, Projector, Stretch
from projections.tracking import (
    TrackingConflict,
    advance,
    create_tracking_table,
    ensure_tracked,
    lock_position,
    position_of,
)

log = logging.getLogger(__name__)

# How many batches the reader may decode ahead of the one being written.
PREFETCH_BATCHES = 2


def always() -> bool:
    return True


def prepare_projection(
    database: Database,
    projection: Projector,
    tracking_name: str | None = None,
    table_suffix: str = "",
) -> int:
    """Create the projection's tables and tracking row if missing; returns its position."""
    name = tracking_name or projection.name
    with database.transaction() as tx:
        create_tracking_table(tx)
        create_poison_table(tx)
        ensure_tracked(tx, name)
        projection.create_tables(tx, table_suffix)
        return position_of(tx, name)


class ProjectorCatchUp:
    """Reads events after the projection's tracked position and applies them.

    Rows and the new position commit in one transaction, so an event is
    applied exactly once however often the follower stops, starts or is killed.
    A follower far behind (catching up, or a rebuild) reads and decodes the next
    batches in a second thread while the current one is written, so reading the
    log and writing the rows overlap. With `passing`, an event that cannot be
    applied is recorded as poison and passed over (`projections.poison`).
    """

    def __init__(
        self,
        projection: Projector,
        database: Database,
        events: EventSource,
        *,
        batch_size: int = 1000,
        on_advance: Callable[[str, int], None] | None = None,
        tracking_name: str | None = None,
        table_suffix: str = "",
        durable: bool = True,
        passing: Passing | None = None,
    ) -> None:
        self.projection = projection
        self.database = database
        self.events = events
        self.batch_size = batch_size
        self.on_advance = on_advance
        self.tracking_name = tracking_name or projection.name
        self.table_suffix = table_suffix
        # A rebuild's copy need not wait for each commit to reach the disk: after a
        # crash, rows and position are lost together and the copy is built again.
        self.durable = durable
        self.passing = passing
        self.topics = frozenset(projection.topics)

    def prepare(self) -> int:
        """Create the tables if missing; returns the tracked position."""
        position = prepare_projection(
            self.database, self.projection, self.tracking_name, self.table_suffix
        )
        self._advanced(position)
        return position

    def position(self) -> int:
        """The tracked position as committed now."""
        with self.database.reading() as tx:
            return position_of(tx, self.tracking_name)

    def _advanced(self, position: int) -> None:
        if self.on_advance:
            self.on_advance(self.tracking_name, position)

    def _read(self, after: int, stop: int) -> Stretch:
        return self.events.stretch(after, self.batch_size, self.topics, stop)

    def _apply(self, tx: Transaction, batch: Stretch) -> None:
        if not self.durable and tx.dialect == "postgres":
            tx.execute("SET LOCAL synchronous_commit = off")
        if self.passing is None:
            self.projection.apply(tx, [event for _, _, event in batch.events], self.table_suffix)
        elif batch.events:
            apply_or_poison(
                tx,
                self.projection,
                self.tracking_name,
                batch.events,
                self.passing,
                self.table_suffix,
            )
        advance(tx, self.tracking_name, batch.after, batch.end)

    def _committed(self, batch: Stretch) -> None:
        log.debug(
            "%s: applied %d events up to %d", self.tracking_name, len(batch.events), batch.end
        )
        self._advanced(batch.end)

    def _write(self, batch: Stretch) -> None:
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
        """Process batches until the projection reaches `stop` (default: the head now).

        Stops early, after the batch in hand, when `keep_going()` turns false.
        Returns how many notifications it passed over.
        """
        target = self.events.head() if stop is None else stop
        start = self.position()
        if target - start > self.batch_size:
            try:
                return self._catch_up_pipelined(start, target, keep_going, on_progress)
            except TrackingConflict:
                log.info("%s: another runner moved the position; re-reading", self.tracking_name)
        total = 0
        while keep_going():
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
        batches: queue.Queue[Stretch | BaseException | None] = queue.Queue(PREFETCH_BATCHES)
        cancelled = threading.Event()

        def offer(item: Stretch | BaseException | None) -> bool:
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
            while keep_going():
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
