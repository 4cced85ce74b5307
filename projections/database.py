"""The shape of the read-model database the projections write through.

Projections write portable SQL with `%s` placeholders; the infrastructure layer
provides a SQLite and a PostgreSQL implementation (the SQLite one turns `%s`
into `?`). Where the two dialects differ (DDL, search indexes), a projection
asks `dialect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]
Row = dict[str, Any]


class Transaction(Protocol):
    """One database transaction: everything executed in it commits together."""

    dialect: Dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed (-1 in a pipelined
        batch, where answers come later: fetch with RETURNING where the count matters)."""

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None: ...

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Append rows as they are (no conflict handling): COPY where the database has it."""

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    def notify(self, channel: str, payload: str) -> None:
        """Tell listeners in other processes, on commit (a no-op where there are none)."""

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: what the block wrote is rolled back alone if it raises."""

    def erasing(self) -> None:
        """This transaction removes a customer's personal data: once it commits, no copy
        of the removed rows may stay in the database's files (old pages, journals)."""


class Database(Protocol):
    """Where the read models live."""

    dialect: Dialect

    def transaction(self) -> AbstractContextManager[Transaction]:
        """A read-write transaction, committed when the block ends without error."""

    def batch(self) -> AbstractContextManager[Transaction]:
        """A read-write transaction for a projection batch: rows and tracking positions.

        It may be pipelined and need not wait for the disk at commit: a crash loses
        rows and positions together, and the events are applied again.
        """

    def reading(self) -> AbstractContextManager[Transaction]:
        """For queries only (no transaction around them need be opened)."""
