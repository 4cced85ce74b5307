"""Our projection framework's contract: what a read model or policy is to the projector host.

A `Projector` owns tables, names the events it reads and applies a batch of them
in a transaction it is handed; `projections.host.ProjectorHost` keeps every
projector of a process up to date and `projections.follower.ProjectorCatchUp`
brings one (or a rebuild's copy) up to a position. Readers wait for a position
with `ReadModelPositions.caught_up`. The names are our own on purpose: the
`eventsourcing` library has a `Projection`, a `ProjectionRunner` and a `wait`
of its own, and they are not these.

Why not the library's runner (`eventsourcing.projection.ProjectionRunner`):

- **SQLite following.** The runner reads through an application subscription,
  which the library's SQLite recorder does not offer (`subscribe` raises
  NotImplementedError); embedded mode must follow the log all the same, by
  in-process signal and polling.
- **Batching.** The runner processes and tracks one event at a time; the host
  reads a stretch of the log once, decodes each event once and applies it to
  every projector at that position in one pipelined transaction with their
  tracking rows, which is what keeps up with bulk writes and catch-up.
- **Leases.** Several API and worker processes run at once; a projector is
  written only by the process holding its lease (`projections.lease`), the
  others stand by and take over, and a fence on the tracking rows makes a
  second writer harmless. The runner has no notion of it.
- **Rebuilds.** A read model is rebuilt into a copy beside the live tables
  (`table_suffix`), verified and swapped in (`projections.rebuild`), with poison
  events recorded and passed over (`projections.poison`); the runner writes the
  live tables only and stops at the first failing event.
- It also constructs its own application from the environment, while ours is
  built by the composition root (event encryption, crypto-shredding of erased
  customers).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from projections.database import Transaction

DomainEvent = Any


class Projector(Protocol):
    """Turns events into rows of its own tables (a read model), or into jobs (a policy).

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
