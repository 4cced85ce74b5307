"""Rebuilding a read model beside the live one, and verifying the live one against a rebuild.

A rebuild writes a copy of the projection's tables (`<table>__rebuild`) with a
tracking row of its own (`<name>~rebuild`), catching up from the first event in
batches while the live read model keeps serving and following. Secondary
indexes are built once the bulk is loaded, not row by row. The takeover is one
transaction: it locks the live tracking row (so the live follower finishes its
batch in hand and then waits), applies the last events to the copy, drops the
live tables, renames the copy and its indexes into their place and moves the
tracking row. Readers see the old rows until that commit and the new rows
after it, never an empty or half-built table.

Verify builds the same kind of copy (`<table>__verify`) up to the live read
model's position, and compares the two row by row.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from projections.database import Database, Row, Transaction
from projections.follower import ProjectorCatchUp
from projections.lease import Lease
from projections.poison import (
    Passing,
    apply_or_poison,
    create_poison_table,
    forget_poison,
    move_poison,
)
from projections.projector import EventSource, Projector
from projections.schema import (
    Index,
    columns,
    drop_index,
    drop_table,
    indexes,
    move_table,
    primary_key,
    table_exists,
)
from projections.tracking import (
    PROJECTIONS_CHANNEL,
    create_tracking_table,
    ensure_tracked,
    forget,
    lock_position,
    position_of,
    set_position,
)

log = logging.getLogger(__name__)

REBUILD_SUFFIX = "__rebuild"
VERIFY_SUFFIX = "__verify"
# How many differences per table a verification keeps to show (all are counted).
SHOWN_DIFFERENCES = 20

# (phase, position reached, position aimed at)
Progress = Callable[[str, int, int], None]


class ReadModelBusy(Exception):
    """Another rebuild or verification of this read model is running."""


class UnknownReadModel(Exception):
    """No read model of that name."""


@dataclass(frozen=True)
class RebuildResult:
    name: str
    events: int  # notifications passed over (every event of the log up to the takeover)
    seconds: float
    position: int


@dataclass(frozen=True)
class Difference:
    """One row that differs: only in the live table, only in the rebuilt one, or changed."""

    table: str
    key: dict[str, Any]
    kind: str  # "missing" (rebuilt has it, live lacks it), "unexpected", "changed"
    live: Row | None
    rebuilt: Row | None


@dataclass
class Verification:
    name: str
    position: int
    counts: dict[str, int] = field(default_factory=dict)
    shown: list[Difference] = field(default_factory=list)
    schema_problems: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + len(self.schema_problems)

    @property
    def equal(self) -> bool:
        return self.total == 0


@dataclass
class ReadModels:
    """The read models an operator rebuilds and verifies, with what that takes."""

    database: Database
    events: EventSource
    projections: dict[str, Projector]
    lease: Callable[[str], Lease]
    passing: Passing
    batch_size: int = 1000
    on_advance: Callable[[str, int], None] | None = None

    def projection(self, name: str) -> Projector:
        try:
            return self.projections[name]
        except KeyError:
            known = ", ".join(sorted(self.projections))
            raise UnknownReadModel(f"no read model {name!r} (known: {known})") from None

    def events_to_read(self, name: str) -> int:
        """What a rebuild of `name` would read: its events in the log up to the head now."""
        projection = self.projection(name)
        return self.events.count(0, self.events.head(), projection.topics)

    @contextmanager
    def _exclusive(self, name: str) -> Iterator[None]:
        lease = self.lease(f"rebuild:{name}")
        if not lease.acquire():
            raise ReadModelBusy(f"a rebuild or verification of {name} is already running")
        try:
            yield
        finally:
            lease.release()

    def _fresh_copy(self, projection: Projector, tracking: str, suffix: str) -> list[Index]:
        """Empty copy tables and tracking row; returns the secondary indexes it deferred."""
        deferred: list[Index] = []
        with self.database.transaction() as tx:
            create_tracking_table(tx)
            create_poison_table(tx)
            for table in projection.tables():
                drop_table(tx, table + suffix)
            forget(tx, tracking)
            forget_poison(tx, tracking)
            ensure_tracked(tx, tracking)
            projection.create_tables(tx, suffix)
            for table in projection.tables():
                for index in indexes(tx, table + suffix):
                    if index.secondary:
                        drop_index(tx, index.name)
                        deferred.append(index)
        return deferred

    def _drop_copy(self, projection: Projector, tracking: str, suffix: str) -> None:
        with self.database.transaction() as tx:
            for table in projection.tables():
                drop_table(tx, table + suffix)
            forget(tx, tracking)
            forget_poison(tx, tracking)

    def _follower(self, projection: Projector, tracking: str, suffix: str) -> ProjectorCatchUp:
        return ProjectorCatchUp(
            projection,
            self.database,
            self.events,
            batch_size=self.batch_size,
            tracking_name=tracking,
            table_suffix=suffix,
            durable=False,
            passing=self.passing,
        )

    def _apply_up_to(
        self, tx: Transaction, projection: Projector, tracking: str, suffix: str, stop: int
    ) -> int:
        """Inside `tx`, bring the copy from its position up to `stop`; returns `stop`."""
        position = lock_position(tx, tracking)
        if position > stop:
            raise RuntimeError(f"{tracking} is at {position}, past {stop}")
        while position < stop:
            batch = self.events.stretch(position, self.batch_size, projection.topics, stop)
            if batch.events:
                apply_or_poison(tx, projection, tracking, batch.events, self.passing, suffix)
            position = batch.end
        set_position(tx, tracking, stop)
        return stop

    def rebuild(self, name: str, on_progress: Progress | None = None) -> RebuildResult:
        """Build `name` anew beside the live one, then take its place in one transaction."""
        projection = self.projection(name)
        tracking = f"{name}~rebuild"
        started = time.perf_counter()

        def report(phase: str, target: int) -> Callable[[int], None]:
            def progress(position: int) -> None:
                if on_progress:
                    on_progress(phase, position, target)

            return progress

        with self._exclusive(name):
            try:
                position = self._build_and_take_over(projection, tracking, report)
            except BaseException:
                # Interrupted (Ctrl-C, a lost connection): the live read model is as it
                # was; the half-built copy goes.
                self._drop_copy(projection, tracking, REBUILD_SUFFIX)
                raise
        if self.on_advance:
            self.on_advance(name, position)
        seconds = time.perf_counter() - started
        log.info("rebuilt %s up to %d in %.1f s", name, position, seconds)
        return RebuildResult(name, position, seconds, position)

    def _build_and_take_over(
        self,
        projection: Projector,
        tracking: str,
        report: Callable[[str, int], Callable[[int], None]],
    ) -> int:
        """The copy built, indexed, caught up and moved into place; returns its position."""
        name = projection.name
        deferred = self._fresh_copy(projection, tracking, REBUILD_SUFFIX)
        follower = self._follower(projection, tracking, REBUILD_SUFFIX)
        target = self.events.head()
        follower.catch_up(target, on_progress=report("building", target))
        report("indexing", target)(target)
        with self.database.transaction() as tx:
            for index in deferred:
                if index.sql:
                    tx.execute(index.sql)
            if tx.dialect == "postgres":
                # Fresh planner statistics, so the first queries after the
                # takeover do not run on guesses.
                for table in projection.tables():
                    if table_exists(tx, table + REBUILD_SUFFIX):
                        tx.execute(f"ANALYZE {table}{REBUILD_SUFFIX}")
        # What was recorded while the bulk was loading, still outside the takeover.
        head = self.events.head()
        follower.catch_up(head, on_progress=report("catching up", head))
        report("taking over", head)(follower.position())
        with self.database.transaction() as tx:
            lock_position(tx, name)
            position = self._apply_up_to(
                tx, projection, tracking, REBUILD_SUFFIX, self.events.head()
            )
            for table in projection.tables():
                drop_table(tx, table)
                # Some tables exist in one dialect only (SQLite's search index).
                if table_exists(tx, table + REBUILD_SUFFIX):
                    move_table(tx, table + REBUILD_SUFFIX, table)
            set_position(tx, name, position)
            forget(tx, tracking)
            move_poison(tx, tracking, name)
            tx.notify(PROJECTIONS_CHANNEL, f"{name}:{position}")
        return position

    def verify(self, name: str, on_progress: Progress | None = None) -> Verification:
        """Rebuild `name` into scratch tables up to the live position and compare every row.

        The comparison holds the live tracking row, so the live follower waits
        for it (its batch in hand is finished first).
        """
        projection = self.projection(name)
        tracking = f"{name}~verify"
        with self._exclusive(name):
            self._fresh_copy(projection, tracking, VERIFY_SUFFIX)
            try:
                follower = self._follower(projection, tracking, VERIFY_SUFFIX)
                with self.database.reading() as tx:
                    target = position_of(tx, name)

                def building(position: int) -> None:
                    if on_progress:
                        on_progress("building", position, target)

                follower.catch_up(target, on_progress=building)
                if on_progress:
                    on_progress("comparing", target, target)
                with self.database.transaction() as tx:
                    live = lock_position(tx, name)
                    self._apply_up_to(tx, projection, tracking, VERIFY_SUFFIX, live)
                    result = Verification(name, live)
                    for table in projection.tables():
                        self._compare(tx, table, table + VERIFY_SUFFIX, result)
            finally:
                self._drop_copy(projection, tracking, VERIFY_SUFFIX)
        return result

    @staticmethod
    def _compare(tx: Transaction, live: str, rebuilt: str, result: Verification) -> None:
        if not (table_exists(tx, live) or table_exists(tx, rebuilt)):
            return
        names = columns(tx, live)
        if names != columns(tx, rebuilt):
            result.schema_problems.append(
                f"{live}: columns {names} differ from a fresh build's {columns(tx, rebuilt)}"
            )
            return
        key = primary_key(tx, live) or names
        listed = ", ".join(names)
        only_live = tx.fetchall(
            f"SELECT {listed} FROM {live} EXCEPT SELECT {listed} FROM {rebuilt}"
        )
        only_rebuilt = tx.fetchall(
            f"SELECT {listed} FROM {rebuilt} EXCEPT SELECT {listed} FROM {live}"
        )

        def key_of(row: Row) -> tuple[str, ...]:
            return tuple(str(row[k]) for k in key)

        live_by_key = {key_of(r): r for r in only_live}
        rebuilt_by_key = {key_of(r): r for r in only_rebuilt}
        differences: list[Difference] = []
        for k in sorted(live_by_key.keys() | rebuilt_by_key.keys()):
            live_row, rebuilt_row = live_by_key.get(k), rebuilt_by_key.get(k)
            kind = (
                "changed" if live_row and rebuilt_row else "unexpected" if live_row else "missing"
            )
            differences.append(
                Difference(live, dict(zip(key, k, strict=True)), kind, live_row, rebuilt_row)
            )
        if differences:
            result.counts[live] = len(differences)
            result.shown.extend(differences[:SHOWN_DIFFERENCES])
