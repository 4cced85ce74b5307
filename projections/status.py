"""Where each read model stands: its position, the head of the log, the lag, who writes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.database import Database
from projections.poison import PoisonEvent, create_poison_table, poison_events
from projections.projector import EventSource
from projections.tracking import all_tracked, create_tracking_table


@dataclass(frozen=True)
class ReadModelStatus:
    """One read model (or policy) as an operator sees it."""

    name: str
    position: int
    head: int
    lag_events: int
    # How long the oldest event it has not applied yet has been waiting (0 when caught up).
    lag_seconds: float
    holder: str | None  # who holds its lease, if anyone
    rebuild_position: int | None  # a rebuild in progress has got this far
    poison_events: list[PoisonEvent]  # events it could not apply and passed over


def read_model_status(
    database: Database,
    events: EventSource,
    names: Sequence[str],
    holders: dict[str, str],
) -> list[ReadModelStatus]:
    head = events.head()
    with database.transaction() as tx:
        create_tracking_table(tx)
        create_poison_table(tx)
        tracked = {t.projection: t.position for t in all_tracked(tx)}
        poison = poison_events(tx)
    now = datetime.now(UTC)
    statuses = []
    for name in names:
        position = tracked.get(name, 0)
        lag_seconds = 0.0
        if position < head:
            waiting = events.read(position, 1, head, [])
            if waiting:
                lag_seconds = max(0.0, (now - waiting[0][1].timestamp).total_seconds())
        statuses.append(
            ReadModelStatus(
                name=name,
                position=position,
                head=head,
                lag_events=max(0, head - position),
                lag_seconds=lag_seconds,
                holder=holders.get(name),
                rebuild_position=tracked.get(f"{name}~rebuild"),
                poison_events=[p for p in poison if p.projection == name],
            )
        )
    return statuses
