"""What remains of a customer's events once the customer is erased.

Deleting a customer destroys the key its events are encrypted with. The events
stay in the log (it is never rewritten), and each still reads as a skeleton: its
type, version and time, and the ids beside it (who acted, which customer, link or
file). Every personal field is gone. Readers that meet a skeleton treat its
customer as deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

ERASED = "[erased]"


@dataclass(frozen=True)
class ErasedEvent:
    """A stored event whose content was erased with its customer's key."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    topic: str  # the original event's topic, e.g. "domain.customer:Customer.NoteAdded"
    customer_id: UUID
    known: dict[str, Any] = field(default_factory=dict)  # the skeleton's ids

    @property
    def type_name(self) -> str:
        return self.topic.rpartition(":")[2].rpartition(".")[2]

    @property
    def aggregate_name(self) -> str:
        qualified = self.topic.rpartition(":")[2]
        return qualified.partition(".")[0] if "." in qualified else "Snapshot"

    @property
    def actor_id(self) -> UUID | None:
        actor = self.known.get("actor_id")
        return actor if isinstance(actor, UUID) else None

    def mutate(self, aggregate: Any) -> ErasedRecord:
        """Replaying an erased history yields an erased record, never the aggregate."""
        return ErasedRecord(self.originator_id, self.originator_version, self.customer_id)


@dataclass(frozen=True)
class ErasedRecord:
    """What loading an aggregate of an erased customer gives: ids and version only."""

    id: UUID
    version: int
    customer_id: UUID
    deleted: bool = True
