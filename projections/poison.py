"""Poison events: events a projection could not apply, recorded so that it can go on.

An event is recorded here (which projection, its position in the log, its
topic, the error) when applying it alone failed with an error of the event
itself, not of the surroundings; the projection passes over it. `docintake
projections status` lists them; `docintake projections retry NAME POSITION`
applies one again (after the code was fixed) and, if that works, forgets it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from application.error_text import error_summary
from projections.database import Database, Transaction
from projections.projector import DomainEvent, EventSource, Projector
from projections.tracking import lock_position

log = logging.getLogger(__name__)

POISON_TABLE = "projection_poison"

#: Is this error one of the surroundings (a database, storage or broker away or not
#: ready), which passes by itself, rather than one the event causes?
Passing = Callable[[BaseException], bool]
#: How much of an error's text is kept.
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class PoisonEvent:
    projection: str
    position: int
    topic: str
    error: str
    recorded_at: datetime


def describe(error: BaseException) -> str:
    """Class, code and place: an error's words can quote the event's data
    (`application.error_text`), and this is kept and logged."""
    return error_summary(error)[:ERROR_LENGTH]


def create_poison_table(tx: Transaction) -> None:
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {POISON_TABLE} ("
        " projection TEXT NOT NULL, position BIGINT NOT NULL, topic TEXT NOT NULL,"
        " error TEXT NOT NULL, recorded_at TEXT NOT NULL, PRIMARY KEY (projection, position))"
    )


def record_poison(
    tx: Transaction, projection: str, position: int, topic: str, error: BaseException
) -> None:
    tx.execute(
        f"INSERT INTO {POISON_TABLE} (projection, position, topic, error, recorded_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (projection, position)"
        " DO UPDATE SET error = excluded.error, recorded_at = excluded.recorded_at",
        (projection, position, topic, describe(error), datetime.now(UTC).isoformat()),
    )


def poison_events(tx: Transaction, projection: str | None = None) -> list[PoisonEvent]:
    where, params = ("WHERE projection = %s", (projection,)) if projection else ("", ())
    rows = tx.fetchall(
        f"SELECT projection, position, topic, error, recorded_at FROM {POISON_TABLE}"
        f" {where} ORDER BY projection, position",
        params,
    )
    return [
        PoisonEvent(
            projection=str(r["projection"]),
            position=int(r["position"]),
            topic=str(r["topic"]),
            error=str(r["error"]),
            recorded_at=datetime.fromisoformat(str(r["recorded_at"])),
        )
        for r in rows
    ]


def forget_poison(tx: Transaction, projection: str, position: int | None = None) -> None:
    """Forget one poison event of `projection` (or all of them)."""
    if position is None:
        tx.execute(f"DELETE FROM {POISON_TABLE} WHERE projection = %s", (projection,))
    else:
        tx.execute(
            f"DELETE FROM {POISON_TABLE} WHERE projection = %s AND position = %s",
            (projection, position),
        )


def move_poison(tx: Transaction, source: str, target: str) -> None:
    """A rebuild's takeover: the copy's poison events become the read model's."""
    forget_poison(tx, target)
    tx.execute(f"UPDATE {POISON_TABLE} SET projection = %s WHERE projection = %s", (target, source))


def apply_or_poison(
    tx: Transaction,
    projection: Projector,
    tracking_name: str,
    events: Sequence[tuple[int, str, DomainEvent]],
    passing: Passing,
    table_suffix: str = "",
) -> int:
    """Apply `events` (position, topic, event) inside `tx`, passing over poison: an event
    that fails on its own with an error of its own is recorded and skipped. Returns how
    many were recorded.

    Errors of the surroundings are raised (the batch is tried again later). So is
    the error when every event of a batch of several fails: then the projection
    itself is broken, not the events, and nothing is recorded as poison.
    """
    try:
        with tx.savepoint():
            projection.apply(tx, [event for _, _, event in events], table_suffix)
        return 0
    except Exception as error:
        if passing(error):
            raise
        failed = error
    poisoned: list[tuple[int, str, Exception]] = []
    if len(events) == 1:
        position, topic, _ = events[0]
        poisoned.append((position, topic, failed))
    else:
        for position, topic, event in events:
            try:
                with tx.savepoint():
                    projection.apply(tx, [event], table_suffix)
            except Exception as alone:
                if passing(alone):
                    raise
                poisoned.append((position, topic, alone))
        if len(poisoned) == len(events):
            raise failed
    for position, topic, cause in poisoned:
        log.error(
            "%s: cannot apply the event at %d (%s): %s; recorded as a poison event",
            tracking_name,
            position,
            topic,
            describe(cause),
        )
        record_poison(tx, tracking_name, position, topic, cause)
    return len(poisoned)


class NotPoison(Exception):
    """No poison event of that projection at that position."""


def retry_poison_event(
    database: Database, events: EventSource, projection: Projector, position: int
) -> None:
    """Apply a poison event again and, if that works, forget it.

    It is applied on top of the rows as they are now (the events after it were
    applied when it was passed over), while the projection's tracking row is
    locked, so that its writer waits. If it fails again, the new error is
    recorded and raised.
    """
    name = projection.name
    with database.reading() as tx:
        known = {p.position: p for p in poison_events(tx, name)}
    if position not in known:
        raise NotPoison(f"{name} has no poison event at {position}")
    stretch = events.stretch(position - 1, 1, frozenset(projection.topics), position)
    try:
        with database.transaction() as tx:
            lock_position(tx, name)
            projection.apply(tx, [event for at, _, event in stretch.events if at == position])
            forget_poison(tx, name, position)
    except Exception as error:
        with database.transaction() as tx:
            record_poison(tx, name, position, known[position].topic, error)
        raise
