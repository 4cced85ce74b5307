"""One projection host per process: it reads each new stretch of the event log once and
hands it to every read model and policy it holds.

Projections at the same position form a group. The host reads the group's next
stretch once (one query, each event decoded once) and applies it to all of them
in one transaction together with their tracking rows, so every event is applied
exactly once, however the process stops. A projection behind the others (new,
taken over from another process, back from a failure) catches up on its own
reads and then joins the group.

The host writes a projection only while this process holds its lease. The
lease costs no query per batch: each batch's first statement moves the
tracking rows from the position it started at (`tracking.fence`), so a second
writer could never apply anything twice.

A projection that fails is taken out of the group at once, and the others
commit without it. It is then retried alone: an error of its surroundings (a
database, storage or broker that is away) is retried with a growing pause; an
event that fails alone with an error of its own is recorded as a poison event
(`projections.poison`) and passed over, so the projection goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from projections.database import Database
from projections.follower import prepare_projection
from projections.lease import Lease
from projections.poison import Passing, apply_or_poison, describe
from projections.projector import EventSource, Projector, Stretch
from projections.tracking import PROJECTIONS_CHANNEL, fence, moved_from

log = logging.getLogger(__name__)

#: The pause before a failing projection's second retry; it doubles up to `RETRY_LONGEST`.
RETRY_FIRST = 1.0
RETRY_LONGEST = 30.0

Advanced = Callable[[str, int], None]


class Failure:
    """Why a projection is out of its group, and when it is tried again."""

    def __init__(self, error: BaseException, attempts: int, retry_at: float) -> None:
        self.error = describe(error)
        self.attempts = attempts
        self.retry_at = retry_at


@dataclass
class Lane:
    """One projection in the host."""

    projection: Projector
    lease: Lease
    topics: frozenset[str]
    # The tracked position while this process writes the projection; None while it
    # stands by (or has to read the position again).
    position: int | None = None
    failure: Failure | None = None
    announced: str = ""

    @property
    def name(self) -> str:
        return self.projection.name


class ProjectorHost:
    """Follows the event log for the projections added to it, in one thread."""

    def __init__(
        self,
        database: Database,
        events: EventSource,
        *,
        passing: Passing,
        batch_size: int = 1000,
        on_advance: Advanced | None = None,
        batch_pause: float = 0.0,
        idle_poll: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.events = events
        self.passing = passing
        self.batch_size = batch_size
        self.on_advance = on_advance
        # Only crash tests set this: it holds each batch's transaction open after the
        # rows are written, so a runner can be killed mid-batch on purpose.
        self.batch_pause = batch_pause
        # Where nothing tells the host about events recorded by other processes
        # (SQLite), it looks this often; on PostgreSQL it is told by NOTIFY.
        self.idle_poll = idle_poll
        self.clock = clock
        self._lanes: list[Lane] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        # Whether something may have been recorded that the host has not read, and the
        # newest position this process itself recorded.
        self._news = True
        self._recorded = 0
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()

    @property
    def names(self) -> list[str]:
        with self._lock:
            return [lane.name for lane in self._lanes]

    def add(self, projection: Projector, lease: Lease) -> None:
        """Follow `projection` whenever this process holds `lease`."""
        lane = Lane(projection, lease, frozenset(projection.topics))
        with self._lock:
            self._lanes.append(lane)
        try:
            lease.want(on_change=self.wake)
        except Exception:
            log.warning("%s: cannot reach the lease yet; trying again", lane.name, exc_info=True)
        self.wake()

    def recorded(self, position: int) -> None:
        """This process recorded events up to `position`."""
        with self._lock:
            self._recorded = max(self._recorded, position)
        self._wake.set()

    def wake(self) -> None:
        """Something may have been recorded (by any process), or a lease changed hands."""
        with self._lock:
            self._news = True
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="projection-host", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the batch in hand."""
        self._stop.set()
        self._wake.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    self._round()
                except Exception:
                    log.exception("projection host: reading the event log failed; retrying")
                    self.wake()
                    self._stop.wait(RETRY_FIRST)
                    continue
                if not self._wake.wait(self._idle_wait()) and self.idle_poll is not None:
                    with self._lock:
                        self._news = True
        finally:
            self.finished.set()

    def _idle_wait(self) -> float | None:
        now = self.clock()
        with self._lock:
            due = [lane.failure.retry_at for lane in self._lanes if lane.failure]
        waits = [max(0.0, at - now) for at in due]
        if self.idle_poll is not None:
            waits.append(self.idle_poll)
        return min(waits, default=None)

    # One round: every group forward until nothing moves -----------------------------

    def _round(self) -> None:
        while not self._stop.is_set():
            lanes = self._follow_leases()
            ready = [lane for lane in lanes if lane.position is not None and not lane.failure]
            moved = False
            if ready:
                front = max(lane.position or 0 for lane in ready)
                ready.sort(key=lambda lane: -(lane.position or 0))
                for position, group in groupby(ready, key=lambda lane: lane.position or 0):
                    if self._stop.is_set():
                        return
                    members = list(group)
                    if position == front:
                        moved |= self._advance_front(members)
                    else:
                        moved |= self._catch_up(members, front)
            now = self.clock()
            for lane in lanes:
                if lane.failure and lane.failure.retry_at <= now and not self._stop.is_set():
                    moved |= self._retry_alone(lane)
            if not moved:
                return

    def _follow_leases(self) -> list[Lane]:
        with self._lock:
            lanes = list(self._lanes)
        for lane in lanes:
            held = lane.lease.held()
            if held and lane.position is None and not lane.failure:
                self._announce(lane, "holding the lease, following the event log")
                self._prepare(lane)
            elif not held:
                if lane.position is not None:
                    log.warning("%s: lost the lease; standing by", lane.name)
                lane.position = None
                lane.failure = None
                self._announce(lane, "another runner holds it; standing by")
        return lanes

    @staticmethod
    def _announce(lane: Lane, message: str) -> None:
        if lane.announced != message:
            lane.announced = message
            log.info("%s: %s", lane.name, message)

    def _prepare(self, lane: Lane) -> None:
        try:
            lane.position = prepare_projection(self.database, lane.projection)
        except Exception as error:
            self._fail(lane, error)
            return
        self._advanced([lane], lane.position)

    def _advance_front(self, group: list[Lane]) -> bool:
        """Read what is new after the front group's position and apply it; True if the
        read was full (there is more to read at once)."""
        position = group[0].position or 0
        with self._lock:
            news, self._news = self._news, False
            recorded = self._recorded
        if not news and recorded <= position:
            return False
        try:
            stretch = self.events.stretch(position, self.batch_size, self._topics(group))
        except Exception:
            self.wake()
            raise
        if stretch.end == position:
            return False
        self._apply(group, stretch)
        if stretch.full:
            self.wake()
        return stretch.full

    def _catch_up(self, group: list[Lane], front: int) -> bool:
        """Read the next stretch of a group behind the front, up to the front at most."""
        position = group[0].position or 0
        stretch = self.events.stretch(position, self.batch_size, self._topics(group), front)
        self._apply(group, stretch)
        return True

    @staticmethod
    def _topics(group: list[Lane]) -> frozenset[str]:
        return frozenset().union(*(lane.topics for lane in group))

    # Writing -----------------------------------------------------------------------

    def _apply(self, group: list[Lane], stretch: Stretch) -> None:
        try:
            self._write(group, stretch)
            return
        except Exception as error:
            if self._moved_elsewhere(group, stretch.after):
                return
            if len(group) == 1:
                self._fail(group[0], error)
                return
        # One of them failed: each alone, so that the one failing holds no other back.
        for lane in group:
            try:
                self._write([lane], stretch)
            except Exception as error:
                if not self._moved_elsewhere([lane], stretch.after):
                    self._fail(lane, error)

    def _write(self, group: list[Lane], stretch: Stretch) -> None:
        names = [lane.name for lane in group]
        # A pipelined batch sends its statements late: the crash tests' pause must find
        # the rows already written, so those batches are not pipelined.
        opened = self.database.transaction() if self.batch_pause else self.database.batch()
        applied = 0
        with opened as tx:
            fence(tx, names, stretch.after, stretch.end)
            for lane in group:
                events = [event for _, topic, event in stretch.events if topic in lane.topics]
                if events:
                    lane.projection.apply(tx, events)
                    applied += len(events)
            if self.batch_pause:
                time.sleep(self.batch_pause)
            tx.notify(PROJECTIONS_CHANNEL, f"{','.join(names)}:{stretch.end}")
        log.debug("%s: applied %d events up to %d", ", ".join(names), applied, stretch.end)
        self._advanced(group, stretch.end)

    def _retry_alone(self, lane: Lane) -> bool:
        """Apply the failing projection's next stretch on its own, passing over poison."""
        if lane.position is None:
            self._prepare(lane)
            if lane.position is None:
                return False
            lane.failure = None
            return True
        try:
            stretch = self.events.stretch(lane.position, self.batch_size, lane.topics)
            with self.database.transaction() as tx:
                fence(tx, [lane.name], stretch.after, stretch.end)
                if stretch.events:
                    apply_or_poison(tx, lane.projection, lane.name, stretch.events, self.passing)
                tx.notify(PROJECTIONS_CHANNEL, f"{lane.name}:{stretch.end}")
        except Exception as error:
            if self._moved_elsewhere([lane], lane.position):
                lane.failure = None
                return True
            self._fail(lane, error)
            return False
        log.info("%s: applies events again, at %d", lane.name, stretch.end)
        lane.failure = None
        self._advanced([lane], stretch.end)
        return True

    def _fail(self, lane: Lane, error: BaseException) -> None:
        attempts = lane.failure.attempts + 1 if lane.failure else 1
        # The first retry comes at once: it finds a poison event right away.
        pause = 0.0 if attempts == 1 else min(RETRY_FIRST * 2 ** (attempts - 2), RETRY_LONGEST)
        lane.failure = Failure(error, attempts, self.clock() + pause)
        if attempts == 1:
            log.warning("%s failed (%s); trying it alone", lane.name, lane.failure.error)
        else:
            log.error(
                "%s failed again (%s); next try in %.0f s",
                lane.name,
                lane.failure.error,
                pause,
                exc_info=error,
            )

    def _moved_elsewhere(self, group: list[Lane], expected: int) -> bool:
        """After a failed batch: did another writer move these positions (the fence
        refused the batch)? Then their positions are read again, and nothing failed."""
        try:
            with self.database.reading() as tx:
                moved = moved_from(tx, [lane.name for lane in group], expected)
        except Exception:
            return False
        if not moved:
            return False
        log.info("%s moved past %d under another runner; reading it again", moved, expected)
        for lane in group:
            lane.position = None
        return True

    def _advanced(self, group: list[Lane], position: int) -> None:
        for lane in group:
            lane.position = position
            if self.on_advance:
                self.on_advance(lane.name, position)
