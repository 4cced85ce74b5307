"""What a read model is to the runner: tables, the events it reads, and how it applies them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from projections.database import Transaction

DomainEvent = Any


class Projection(Protocol):
    """Turns events into rows of its own tables.

    `table_suffix` lets a rebuild write a second copy beside the live tables.
    """

    name: str

    @property
    def topics(self) -> Sequence[str]:
        """Topics of the events it reads (the runner skips the others)."""

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None: ...

    def apply(
        self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = ""
    ) -> None: ...

    def tables(self) -> Sequence[str]:
        """The names of the live tables this projection owns.

        Every index must carry its table's name (`{table}{table_suffix}_..._idx`):
        a rebuild finds a copy's indexes by that name and renames them with it.
        Every column type must know equality (text, not PostgreSQL's `json`), and
        rows must follow from the events alone (no clock, no random ids): verify
        compares a fresh build with the live rows.
        """


class EventSource(Protocol):
    """The event log, read forwards by position."""

    def head(self) -> int:
        """The position of the newest recorded event (0 when there is none)."""

    def read(
        self, after: int, limit: int, stop: int, topics: Sequence[str]
    ) -> list[tuple[int, DomainEvent]]:
        """Events after `after` up to `stop` inclusive, in order, at most `limit`."""

    def count(self, after: int, stop: int, topics: Sequence[str]) -> int:
        """How many events of these topics (all, if none) lie after `after` up to `stop`."""
