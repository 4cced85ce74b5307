"""What a read model is to the runner: tables, the events it reads, and how it applies them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Stretch:
    """A stretch of the log read at once: everything after `after` up to `end`.

    `events` holds the events of the topics asked for, decoded, each with its
    position and topic; `full` says the read stopped at its limit, so more may follow.
    """

    after: int
    end: int
    full: bool
    events: list[tuple[int, str, DomainEvent]]


class EventSource(Protocol):
    """The event log, read forwards by position."""

    def stretch(
        self, after: int, limit: int, topics: Collection[str], stop: int | None = None
    ) -> Stretch:
        """The next stretch after `after`: up to `limit` notifications of any topic (decoding
        only those of `topics`) when `stop` is None; with `stop`, up to `limit` events of
        `topics` up to `stop`."""

    def head(self) -> int:
        """The position of the newest recorded event (0 when there is none)."""

    def read(
        self, after: int, limit: int, stop: int, topics: Sequence[str]
    ) -> list[tuple[int, DomainEvent]]:
        """Events after `after` up to `stop` inclusive, in order, at most `limit`."""

    def count(self, after: int, stop: int, topics: Sequence[str]) -> int:
        """How many events of these topics (all, if none) lie after `after` up to `stop`."""
