"""The auditor's view: a customer's stored events, and its state as of a version or a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from application.base import DocIntakeBase
from application.errors import NotFound
from application.principal import Principal
from domain.customer import Customer

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


@dataclass(frozen=True)
class HistoryEvent:
    aggregate_id: UUID
    version: int
    type: str
    timestamp: datetime
    actor_id: UUID | None
    data: dict[str, Any]


def plain(value: Any) -> Any:
    """Event and state values as JSON-ready data (ids and times as strings)."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    return value


def describe(event: Any) -> HistoryEvent:
    data = {k: plain(v) for k, v in vars(event).items() if k not in _ENVELOPE}
    actor = data.pop("actor_id", None)
    return HistoryEvent(
        aggregate_id=event.originator_id,
        version=event.originator_version,
        type=type(event).__name__,
        timestamp=event.timestamp,
        actor_id=UUID(actor) if actor else None,
        data=data,
    )


def customer_state(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "version": customer.version,
        "name": customer.name,
        "email": customer.email,
        "company": customer.company,
        "status": customer.status,
        "notes": plain(customer.notes),
        "deleted": customer.deleted,
        "created_at": customer.created_on.isoformat(),
        "modified_at": customer.modified_on.isoformat(),
    }


class HistoryQueries(DocIntakeBase):
    def customer_history(self, customer_id: UUID) -> list[HistoryEvent]:
        """Every stored event of the customer, oldest first (read from the event store)."""
        events = [describe(e) for e in self.events.get(customer_id)]
        if not events or events[0].type != "CustomerCreated":
            raise NotFound(f"No customer with id {customer_id}.")
        return events

    def customer_history_for(self, principal: Principal, customer_id: UUID) -> list[HistoryEvent]:
        self.customer_of(principal, customer_id)
        return self.customer_history(customer_id)

    def customer_state_at(
        self, customer_id: UUID, *, version: int | None = None, at: datetime | None = None
    ) -> dict[str, Any]:
        """The customer as of a version, or as of a moment (the last version recorded by then)."""
        if at is not None:
            versions = [e.version for e in self.customer_history(customer_id) if e.timestamp <= at]
            if not versions:
                raise NotFound(f"Customer {customer_id} did not exist at {at.isoformat()}.")
            version = versions[-1]
        customer: object = self.repository.get(customer_id, version=version)
        if not isinstance(customer, Customer):
            raise NotFound(f"No customer with id {customer_id}.")
        return customer_state(customer)
