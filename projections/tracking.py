"""Each read model's position in the event log, written in the same transaction as its rows."""

from __future__ import annotations

from datetime import UTC, datetime

from projections.database import Transaction

TRACKING_TABLE = "projection_tracking"


class TrackingConflict(Exception):
    """Another runner moved the projection's position while this one was working."""


def create_tracking_table(tx: Transaction) -> None:
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
        " projection TEXT PRIMARY KEY,"
        " position BIGINT NOT NULL,"
        " updated_at TEXT NOT NULL)"
    )


def position_of(tx: Transaction, projection: str) -> int:
    row = tx.fetchone(f"SELECT position FROM {TRACKING_TABLE} WHERE projection = %s", (projection,))
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
