"""Meeting a customer's erasure in the event log.

A customer is gone from the read models when its `CustomerDeleted` arrives, or
when an event of it can no longer be read (its key is destroyed, so it decodes to
an `ErasedEvent`): whichever a projection meets first removes every row of that
customer, and nothing later brings one back.
"""

from __future__ import annotations

from uuid import UUID

from domain.customer import Customer
from domain.erasure import ErasedEvent
from projections.projector import DomainEvent


def erased_customer(event: DomainEvent) -> UUID | None:
    """The customer this event says is gone, or None."""
    if isinstance(event, ErasedEvent):
        return event.customer_id
    if isinstance(event, Customer.CustomerDeleted):
        return event.originator_id
    return None
