"""The read-model database: SQLite in a file (embedded) or PostgreSQL (production)."""

from __future__ import annotations

import logging
import select
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from infrastructure.wal_scrub import WalScrubber
from projections.database import Dialect, Row

log = logging.getLogger(__name__)

T = TypeVar("T")
#: How the read-model pool's connections show in `pg_stat_activity`.
APPLICATION_NAME = "docintake read models"
#: Every statement is planned for its own parameters, prepared or not: a search's generic
#: plan cannot know how rare its term is and walks the whole organisation.
SESSION_OPTIONS = "-c plan_cache_mode=force_custom_plan"
#: From this many rows on, `copy_rows` uses COPY; fewer go in as one INSERT.
COPY_FROM = 100

_savepoints = count(1)

sqlite3.register_adapter(UUID, str)
# Fixed precision keeps text timestamps in SQLite sortable as text.
sqlite3.register_adapter(datetime, lambda d: d.isoformat(timespec="microseconds"))


class SqliteTransaction:
    dialect: Dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.erased = False

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%s", "?")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._connection.execute(self._sql(sql), tuple(params)).rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(self._sql(sql), [tuple(p) for p in params])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        listed = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        self._connection.executemany(
            f"INSERT INTO {table} ({listed}) VALUES ({marks})", [tuple(r) for r in rows]
        )

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._connection.execute(self._sql(sql), tuple(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def notify(self, channel: str, payload: str) -> None:
        """Nothing to do: in embedded mode every reader lives in this process."""

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: rolled back alone if the block raises."""
        name = f"sp{next(_savepoints)}"
        self._connection.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._connection.execute(f"ROLLBACK TO {name}")
            self._connection.execute(f"RELEASE {name}")
            raise
        self._connection.execute(f"RELEASE {name}")

    def erasing(self) -> None:
        # Deleted rows are zeroed in place (secure_delete, set per connection); what the
        # write-ahead log still holds of them goes after the commit (`WalScrubber`).
        self.erased = True


class SqliteDatabase:
    """Read models in one SQLite file, a connection per thread, WAL for concurrent reads."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, *, scrub_wait: float = 1.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self.scrubber = WalScrubber(path, attempt_wait=scrub_wait)
        self.scrubber.resume()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=10000")
            # Zero deleted rows in the file: an erased customer must not linger in free pages.
            connection.execute("PRAGMA secure_delete=ON")
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[SqliteTransaction]:
        connection = self._connection()
        # IMMEDIATE takes the write lock up front, so two writers queue instead
        # of deadlocking on a read-to-write upgrade.
        connection.execute("BEGIN IMMEDIATE")
        transaction = SqliteTransaction(connection)
        try:
            yield transaction
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        if not transaction.erased:
            connection.execute("COMMIT")
            return
        # The write-ahead log still holds the erased rows as they were: empty it after.
        self.scrubber.marking()
        try:
            connection.execute("COMMIT")
        finally:
            self.scrubber.scrub()

    def batch(self) -> AbstractContextManager[SqliteTransaction]:
        """A projection batch: an ordinary write transaction here."""
        return self.transaction()

    @contextmanager
    def reading(self) -> Iterator[SqliteTransaction]:
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            yield SqliteTransaction(connection)
        finally:
            connection.execute("ROLLBACK")

    def check(self) -> None:
        with self.reading() as tx:
            tx.fetchone("SELECT 1 AS ok")

    def close(self) -> None:
        self.scrubber.close()
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


class PostgresTransaction:
    """Statements on one connection: a transaction, or (for reads) one statement each.

    In a pipelined batch (`PostgresDatabase.batch`) statements are sent without
    waiting for their answers; `execute` then returns -1, and the first fetch
    waits for everything sent before it.
    """

    dialect: Dialect = "postgres"

    def __init__(self, connection: psycopg.Connection[Row], *, pipelined: bool = False) -> None:
        self._connection = connection
        self._pipelined = pipelined

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return -1 if self._pipelined else cursor.rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(sql, [tuple(p) for p in params])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Binary COPY for many rows: one statement for the lot, and little work per row on
        either side (several times faster than INSERTs). A few rows, or a pipelined batch
        (where COPY cannot run), go in as one multi-row INSERT per 500 rows instead.
        Values must have the columns' Python types (UUID for uuid, datetime for
        timestamptz, int, str, bool, None)."""
        if self._pipelined or len(rows) < COPY_FROM:
            listed = ", ".join(columns)
            row_marks = f"({', '.join(['%s'] * len(columns))})"
            for start in range(0, len(rows), 500):
                part = rows[start : start + 500]
                self.execute(
                    f"INSERT INTO {table} ({listed}) VALUES {', '.join([row_marks] * len(part))}",
                    [value for row in part for value in row],
                )
            return
        types = self._column_types(table, columns)
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with self._connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def _column_types(self, table: str, columns: Sequence[str]) -> list[str]:
        with self._connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute"
                " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
                (table,),
            )
            by_name = {row["attname"]: row["type"] for row in cursor.fetchall()}
        return [by_name[column] for column in columns]

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return cursor.fetchall()

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return cursor.fetchone()

    def notify(self, channel: str, payload: str) -> None:
        self.execute("SELECT pg_notify(%s, %s)", (channel, payload))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._connection.transaction():
            yield

    def erasing(self) -> None:
        """Nothing more to do here: deleted rows leave PostgreSQL's files with VACUUM and
        its WAL with recycling (see README, "Data protection")."""


class PostgresReading(PostgresTransaction):
    """Queries without a transaction around them (each statement sees the data committed
    when it starts, as in a READ COMMITTED transaction, for two round trips less).

    A connection the server has dropped since it was pooled (a restart, an
    administrator's `pg_terminate_backend`) fails on its first statement: that
    statement is sent again once, on a fresh connection.
    """

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        super().__init__(database.checkout())
        self._answered = False

    def _retried(self, run: Callable[[], T]) -> T:
        try:
            result = run()
        except psycopg.OperationalError:
            if self._answered or not self._connection.closed:
                raise
            log.warning("a pooled read-model connection was lost; reading again on a new one")
            self._database.pool.putconn(self._connection)
            # What dropped this one (a restart) usually dropped the other idle ones too,
            # not all of which may show it yet: the pool tries each and replaces the dead.
            self._database.pool.check()
            self._connection = self._database.checkout()
            result = run()
        self._answered = True
        return result

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._retried(lambda: PostgresTransaction.execute(self, sql, params))

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._retried(lambda: PostgresTransaction.fetchall(self, sql, params))

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return self._retried(lambda: PostgresTransaction.fetchone(self, sql, params))

    def release(self) -> None:
        self._database.pool.putconn(self._connection)


def _dropped(connection: psycopg.Connection[Row]) -> bool:
    """Whether the server has dropped this idle connection, told without a round trip: an
    idle connection has nothing to read unless the server sent its goodbye (a restart, an
    administrator's `pg_terminate_backend`)."""
    readable, _, _ = select.select([connection.fileno()], [], [], 0)
    return bool(readable)


class PostgresDatabase:
    """Read models in PostgreSQL through a psycopg connection pool."""

    dialect: Dialect = "postgres"

    def __init__(self, conninfo: str, *, min_size: int = 2, max_size: int = 10) -> None:
        self.conninfo = conninfo
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={
                "row_factory": dict_row,
                # Reads need no BEGIN and COMMIT; writes open their transactions.
                "autocommit": True,
                "application_name": APPLICATION_NAME,
                "options": SESSION_OPTIONS,
            },
            open=True,
            name="read-models",
        )

    def checkout(self) -> psycopg.Connection[Row]:
        """A pooled connection the server has not dropped (those are replaced on the way)."""
        for _ in range(self.pool.max_size):
            connection = self.pool.getconn()
            if not _dropped(connection):
                return connection
            # Closed, it is replaced by a new one instead of being handed out again.
            connection.close()
            self.pool.putconn(connection)
        return self.pool.getconn()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Row]]:
        connection = self.checkout()
        try:
            yield connection
        finally:
            self.pool.putconn(connection)

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        with self._connection() as connection, connection.transaction():
            yield PostgresTransaction(connection)

    @contextmanager
    def batch(self) -> Iterator[PostgresTransaction]:
        """A projection batch: one transaction whose statements are pipelined, sent without
        waiting for each answer, so that a batch costs one round trip (one more for each
        result a projection reads along the way), committed without waiting for the disk.

        BEGIN and COMMIT are plain statements in the pipeline: psycopg's own transaction
        block would add a round trip for each. Not waiting for the disk is safe here:
        rows and tracking positions are lost together in a crash, and the host applies
        those events again from the log.
        """
        with self._connection() as connection:
            try:
                with connection.pipeline():
                    transaction = PostgresTransaction(connection, pipelined=True)
                    transaction.execute("BEGIN")
                    transaction.execute("SET LOCAL synchronous_commit = off")
                    yield transaction
                    transaction.execute("COMMIT")
            except BaseException:
                if not connection.closed:
                    connection.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[PostgresTransaction]:
        reading = PostgresReading(self)
        try:
            yield reading
        finally:
            reading.release()

    def check(self) -> None:
        with self.reading() as tx:
            tx.fetchone("SELECT 1 AS ok")

    def close(self) -> None:
        self.pool.close()
