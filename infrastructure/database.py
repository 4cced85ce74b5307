"""The read-model database: SQLite in a file (embedded) or PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from projections.database import Dialect, Row

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

    def erasing(self) -> None:
        # Deleted rows are zeroed in place (secure_delete, set per connection); what the
        # write-ahead log still holds of them goes after the commit (`_scrub`).
        self.erased = True


class SqliteDatabase:
    """Read models in one SQLite file, a connection per thread, WAL for concurrent reads."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

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
        connection.execute("COMMIT")
        if transaction.erased:
            self._scrub(connection)

    @staticmethod
    def _scrub(connection: sqlite3.Connection) -> None:
        """Copy the write-ahead log into the file and truncate it: its frames still hold
        the pages as they were before the erasure. Readers in the middle of a query can
        hold the log for a moment; try a few times (the next erasure tries again)."""
        for _ in range(20):
            busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.05)

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
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


class PostgresTransaction:
    dialect: Dialect = "postgres"

    def __init__(self, connection: psycopg.Connection[Row]) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._connection.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return cursor.rowcount

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(sql, [tuple(p) for p in params])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Binary COPY: one statement for the lot, and little work per row on either side
        (several times faster than INSERTs). Values must have the columns' Python types
        (UUID for uuid, datetime for timestamptz, int, str, bool, None)."""
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

    def erasing(self) -> None:
        """Nothing more to do here: deleted rows leave PostgreSQL's files with VACUUM and
        its WAL with recycling (see README, "Data protection")."""


class PostgresDatabase:
    """Read models in PostgreSQL through a psycopg connection pool."""

    dialect: Dialect = "postgres"

    def __init__(self, conninfo: str, *, min_size: int = 2, max_size: int = 10) -> None:
        self.conninfo = conninfo
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"row_factory": dict_row},
            open=True,
            name="read-models",
        )

    @contextmanager
    def transaction(self) -> Iterator[PostgresTransaction]:
        with self.pool.connection() as connection, connection.transaction():
            yield PostgresTransaction(connection)

    @contextmanager
    def reading(self) -> Iterator[PostgresTransaction]:
        with self.pool.connection() as connection, connection.transaction():
            yield PostgresTransaction(connection)

    def check(self) -> None:
        with self.reading() as tx:
            tx.fetchone("SELECT 1 AS ok")

    def close(self) -> None:
        self.pool.close()
