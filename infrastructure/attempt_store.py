"""Failed attempts (logins, link passwords) counted in the database, so that every API
process on it enforces one limit.

Keys are client addresses and e-mail addresses: only their SHA-256 is stored. Each row is
one failure with its time; a key must wait once `limit` failures fall within `window`
seconds, until the oldest of the last `limit` leaves the window. Rows older than the
window are deleted as the key fails again (and, for every key of the scope, now and then).
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Protocol

from infrastructure.database import PostgresDatabase, SqliteDatabase

TABLE = "attempt_failures"
#: About one failure in this many also removes every expired row of its scope.
PURGE_EVERY = 500


class _Clock(Protocol):
    def __call__(self) -> float: ...


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseAttemptLimiter:
    """`AttemptCounter` in the read-model database (PostgreSQL, or SQLite when embedded)."""

    def __init__(
        self,
        database: PostgresDatabase | SqliteDatabase,
        scope: str,
        limit: int,
        window: float,
        clock: _Clock = time.time,
    ) -> None:
        self.database = database
        self.scope = scope
        self.limit = limit
        self.window = window
        self._clock = clock
        self._prepared = False
        self._failures = 0
        self._lock = threading.Lock()

    def _prepare(self) -> None:
        if self._prepared:
            return
        with self._lock:
            if self._prepared:
                return
            try:
                create_attempt_table(self.database)
            except Exception:
                # Another process created it at the same moment (PostgreSQL's IF NOT
                # EXISTS is not atomic across sessions): it exists now.
                create_attempt_table(self.database)
            self._prepared = True

    def retry_after(self, key: str) -> float:
        self._prepare()
        now = self._clock()
        with self.database.reading() as tx:
            row = tx.fetchone(
                f"SELECT failed_at FROM {TABLE} WHERE scope = %s AND key_hash = %s"
                " AND failed_at > %s ORDER BY failed_at DESC LIMIT 1 OFFSET %s",
                (self.scope, _digest(key), now - self.window, self.limit - 1),
            )
        if row is None:
            return 0.0
        return max(0.0, float(row["failed_at"]) + self.window - now)

    def failed(self, key: str) -> None:
        self._prepare()
        now = self._clock()
        digest = _digest(key)
        self._failures += 1
        with self.database.transaction() as tx:
            tx.execute(
                f"INSERT INTO {TABLE} (scope, key_hash, failed_at) VALUES (%s, %s, %s)",
                (self.scope, digest, now),
            )
            if self._failures % PURGE_EVERY == 0:
                tx.execute(
                    f"DELETE FROM {TABLE} WHERE scope = %s AND failed_at <= %s",
                    (self.scope, now - self.window),
                )
            else:
                tx.execute(
                    f"DELETE FROM {TABLE} WHERE scope = %s AND key_hash = %s AND failed_at <= %s",
                    (self.scope, digest, now - self.window),
                )

    def succeeded(self, key: str) -> None:
        self._prepare()
        with self.database.transaction() as tx:
            tx.execute(
                f"DELETE FROM {TABLE} WHERE scope = %s AND key_hash = %s",
                (self.scope, _digest(key)),
            )


def create_attempt_table(database: PostgresDatabase | SqliteDatabase) -> None:
    with database.transaction() as tx:
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (scope TEXT NOT NULL, key_hash TEXT NOT NULL,"
            " failed_at DOUBLE PRECISION NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_key_idx ON {TABLE} (scope, key_hash, failed_at)"
        )
