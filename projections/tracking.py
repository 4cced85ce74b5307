"""Each read model's position in the event log, written in the same transaction as its rows.

The tracking row is also the read model's write lock: a follower locks it at the
start of every batch (`lock_position`), and a rebuild's takeover locks it before
touching the live tables, so the two always take their locks in the same order
and never deadlock, and neither can apply a batch the other has already applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.database import Transaction

TRACKING_TABLE = "projection_tracking"
#: Committed batches tell other processes here: "NAME[,NAME...]:POSITION".
PROJECTIONS_CHANNEL = "docintake_projections"


class TrackingConflict(Exception):
    """Another runner moved the projection's position while this one was working."""


@dataclass(frozen=True)
class Tracked:
    """One tracking row: a read model (or a rebuild's copy of one) and how far it has got."""

    projection: str
    position: int
    updated_at: datetime


def create_tracking_table(tx: Transaction) -> None:
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
        " projection TEXT PRIMARY KEY,"
        " position BIGINT NOT NULL,"
        " updated_at TEXT NOT NULL)"
    )


def ensure_tracked(tx: Transaction, projection: str) -> None:
    """Insert the row at position 0 if missing, so that there is always a row to lock."""
    tx.execute(
        f"INSERT INTO {TRACKING_TABLE} (projection, position, updated_at)"
        " VALUES (%s, 0, %s) ON CONFLICT (projection) DO NOTHING",
        (projection, datetime.now(UTC).isoformat()),
    )


def position_of(tx: Transaction, projection: str) -> int:
    row = tx.fetchone(f"SELECT position FROM {TRACKING_TABLE} WHERE projection = %s", (projection,))
    return int(row["position"]) if row else 0


def lock_position(tx: Transaction, projection: str) -> int:
    """The position, with the row locked until the transaction ends.

    PostgreSQL locks the row (`FOR UPDATE`); SQLite needs nothing more, since its
    write transactions (`BEGIN IMMEDIATE`) already run one at a time.
    """
    suffix = " FOR UPDATE" if tx.dialect == "postgres" else ""
    row = tx.fetchone(
        f"SELECT position FROM {TRACKING_TABLE} WHERE projection = %s{suffix}", (projection,)
    )
    return int(row["position"]) if row else 0


def advance(tx: Transaction, projection: str, expected: int, position: int) -> None:
    """Move the position from `expected` to `position`, or raise if someone else moved it."""
    now = datetime.now(UTC).isoformat()
    if expected == 0:
        changed = tx.execute(
            f"INSERT INTO {TRACKING_TABLE} (projection, position, updated_at)"
            " VALUES (%s, %s, %s) ON CONFLICT (projection) DO UPDATE"
            f" SET position = excluded.position, updated_at = excluded.updated_at"
            f" WHERE {TRACKING_TABLE}.position = 0",
            (projection, position, now),
        )
    else:
        changed = tx.execute(
            f"UPDATE {TRACKING_TABLE} SET position = %s, updated_at = %s"
            " WHERE projection = %s AND position = %s",
            (position, now, projection, expected),
        )
    if changed != 1:
        raise TrackingConflict(f"{projection} moved past {expected} under another runner")


def set_position(tx: Transaction, projection: str, position: int) -> None:
    """Put the position where it is told (a rebuild's takeover; nothing else)."""
    tx.execute(
        f"INSERT INTO {TRACKING_TABLE} (projection, position, updated_at) VALUES (%s, %s, %s)"
        " ON CONFLICT (projection) DO UPDATE"
        " SET position = excluded.position, updated_at = excluded.updated_at",
        (projection, position, datetime.now(UTC).isoformat()),
    )


def forget(tx: Transaction, projection: str) -> None:
    tx.execute(f"DELETE FROM {TRACKING_TABLE} WHERE projection = %s", (projection,))


def all_tracked(tx: Transaction) -> list[Tracked]:
    rows = tx.fetchall(
        f"SELECT projection, position, updated_at FROM {TRACKING_TABLE} ORDER BY projection"
    )
    return [
        Tracked(
            projection=str(r["projection"]),
            position=int(r["position"]),
            updated_at=datetime.fromisoformat(str(r["updated_at"])),
        )
        for r in rows
    ]


def fence(tx: Transaction, names: Sequence[str], expected: int, position: int) -> None:
    """First thing in a batch: move these projections from `expected` to `position`.

    The update locks their tracking rows until the batch commits (a rebuild's
    takeover, which locks the row first too, waits for it), and it is the fence
    that makes a second writer harmless: a row that is not at `expected` would be
    set to NULL, which its NOT NULL column refuses, so the batch fails whole. No
    answer has to be read for that (the batch may be pipelined); after a failed
    batch, `moved_from` tells whether someone else had moved the position.
    """
    tx.execute(
        f"UPDATE {TRACKING_TABLE}"
        " SET position = CASE WHEN position = %s THEN %s END, updated_at = %s"
        f" WHERE projection IN ({', '.join(['%s'] * len(names))})",
        (expected, position, datetime.now(UTC).isoformat(), *names),
    )


def moved_from(tx: Transaction, names: Sequence[str], expected: int) -> list[str]:
    """Those of `names` whose position is no longer `expected` (another writer's work)."""
    rows = tx.fetchall(
        f"SELECT projection, position FROM {TRACKING_TABLE}"
        f" WHERE projection IN ({', '.join(['%s'] * len(names))})",
        tuple(names),
    )
    return sorted(str(r["projection"]) for r in rows if int(r["position"]) != expected)
