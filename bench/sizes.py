"""How big each part of a run is: `make bench` (full) and `make bench-quick`."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024
WRITERS = 16  # clients of the 16-client figures


@dataclass(frozen=True)
class Sizes:
    """`--quick` shrinks customers, events and bytes; the figures keep their names."""

    mode: str
    customers: int  # in the organisation that is searched
    small_customers: int  # the organisation its p95 is compared with
    log_events: int  # events in the rebuild figure's log (a database of its own)
    long_history: int  # events of the customer loaded beside a short-history one
    load_seconds: float  # per round of HTTP load
    rounds: int
    rebuild_rounds: int  # at most; each a full rebuild over `log_events`
    rebuild_budget: float  # seconds: no further rebuild round starts that would end past it
    ryw_samples: int  # creates per read-your-writes round
    upload_bytes: int
    embedded_customers: int  # searched in embedded mode (SQLite)
    cost_creates: int  # creates one after another, counting round trips and CPU
    idle_seconds: float  # the idle server is watched this long
    short_history: int = 10
    notes_each: int = 8  # per customer of the rebuild's log: 10 events a customer


FULL = Sizes(
    mode="full",
    customers=100_000,
    small_customers=1_000,
    log_events=1_000_000,
    long_history=10_000,
    load_seconds=4,
    rounds=3,
    rebuild_rounds=3,
    rebuild_budget=150,
    ryw_samples=40,
    upload_bytes=1024 * MiB,
    embedded_customers=100_000,
    cost_creates=200,
    idle_seconds=60,
)
QUICK = Sizes(
    mode="quick",
    customers=10_000,
    small_customers=1_000,
    log_events=60_000,
    long_history=2_000,
    load_seconds=2,
    rounds=3,
    rebuild_rounds=3,
    rebuild_budget=60,
    ryw_samples=20,
    upload_bytes=128 * MiB,
    embedded_customers=10_000,
    cost_creates=100,
    idle_seconds=20,
)
