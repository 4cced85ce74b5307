"""Commands on customers: create, change, set status, add notes, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from application.base import DocIntakeBase
from application.permissions import Action, authorize
from application.principal import Principal
from domain.customer import Customer
from domain.organization import Organization
from domain.values import CustomerStatus


@dataclass(frozen=True)
class Recorded:
    """What a command recorded: the id it is about and the log position to wait for.

    A customer command also hands back the customer as saved and the customer's
    events it recorded, so that its answer can be built from what was recorded,
    without waiting for (or reading) a read model.
    """

    id: UUID
    position: int
    customer: Customer | None = None
    events: Sequence[DomainEventProtocol[UUID]] = ()


class CustomerCommands(DocIntakeBase):
    def create_customer(
        self, principal: Principal, name: object, email: object = None, company: object = None
    ) -> Recorded:
        """Create a customer, taking one of the plan's slots in the same transaction."""
        authorize(principal, Action.MANAGE_CUSTOMERS)

        def attempt() -> Recorded:
            customer = Customer.create(
                principal.organization_id, name, email, company, principal.user_id
            )
            organization = self.load(principal.organization_id, Organization)
            organization.take_customer_slot(customer.id, principal.user_id)
            events = list(customer.pending_events)
            return Recorded(customer.id, self.record(organization, customer), customer, events)

        return self.retrying(attempt)

    def change_customer_details(
        self, principal: Principal, customer_id: UUID, changes: dict[str, Any]
    ) -> Recorded:
        """Change the given fields (a None e-mail or company clears it)."""
        authorize(principal, Action.MANAGE_CUSTOMERS)

        def attempt() -> Recorded:
            customer = self.customer_of(principal, customer_id)
            customer.change_details(principal.user_id, **changes)
            events = list(customer.pending_events)
            return Recorded(customer.id, self.record(customer), customer, events)

        return self.retrying(attempt)

    def set_customer_status(
        self, principal: Principal, customer_id: UUID, status: object
    ) -> Recorded:
        authorize(principal, Action.MANAGE_CUSTOMERS)
        new_status = CustomerStatus.parse(status)

        def attempt() -> Recorded:
            customer = self.customer_of(principal, customer_id)
            customer.set_status(new_status, principal.user_id)
            events = list(customer.pending_events)
            return Recorded(customer.id, self.record(customer), customer, events)

        return self.retrying(attempt)

    def add_note(self, principal: Principal, customer_id: UUID, text: object) -> Recorded:
        authorize(principal, Action.MANAGE_CUSTOMERS)

        def attempt() -> Recorded:
            customer = self.customer_of(principal, customer_id)
            note_id = customer.add_note(text, principal.user_id)
            events = list(customer.pending_events)
            return Recorded(note_id, self.record(customer), customer, events)

        return self.retrying(attempt)

    def delete_customer(self, principal: Principal, customer_id: UUID) -> Recorded:
        """Delete the customer and give its plan slot back, in one transaction."""
        authorize(principal, Action.DELETE_CUSTOMERS)

        def attempt() -> Recorded:
            customer = self.customer_of(principal, customer_id)
            organization = self.load(principal.organization_id, Organization)
            customer.delete(principal.user_id)
            organization.release_customer_slot(customer.id, principal.user_id)
            return Recorded(customer.id, self.record(customer, organization))

        return self.retrying(attempt)
