"""Commands on customers: create, change, set status, add, edit and delete notes, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from application.command import Context, Recorded, command
from application.permissions import Action
from application.principal import Principal
from domain.customer import Customer
from domain.organization import Organization, Role
from domain.values import CustomerStatus


@dataclass(frozen=True)
class CustomerRecorded(Recorded):
    """A customer command's answer: also the customer as saved and the events it recorded,
    so the answer is built from what was recorded, without waiting for a read model."""

    customer: Customer
    events: Sequence[DomainEventProtocol[UUID]]


class CustomerCommands(Context):
    """Create, change, annotate and delete customers."""

    def get(self, principal: Principal, customer_id: UUID) -> Customer:
        """The customer, if it exists, is not deleted and is of the caller's organisation."""
        return self.app.customer_of(principal, customer_id)

    def _saved(self, subject_id: UUID, customer: Customer) -> CustomerRecorded:
        events = list(customer.pending_events)
        return CustomerRecorded(subject_id, self.app.record(customer), customer, events)

    @command(Action.MANAGE_CUSTOMERS)
    def create(
        self,
        principal: Principal,
        name: str,
        email: str | None = None,
        company: str | None = None,
        customer_number: str | None = None,
    ) -> CustomerRecorded:
        """Create a customer, taking one of the plan's slots in the same transaction."""
        customer = Customer.create(
            principal.organization_id, name, email, company, principal.user_id, customer_number
        )
        organization = self.app.load(principal.organization_id, Organization)
        organization.take_customer_slot(customer.id, principal.user_id)
        events = list(customer.pending_events)
        position = self.app.record(organization, customer)
        return CustomerRecorded(customer.id, position, customer, events)

    @command(Action.MANAGE_CUSTOMERS)
    def change_details(
        self, principal: Principal, customer_id: UUID, changes: dict[str, Any]
    ) -> CustomerRecorded:
        """Change the given fields (a None e-mail, company or customer number clears it)."""
        customer = self.app.customer_of(principal, customer_id)
        customer.change_details(principal.user_id, **changes)
        return self._saved(customer.id, customer)

    @command(Action.MANAGE_CUSTOMERS)
    def set_status(
        self, principal: Principal, customer_id: UUID, status: CustomerStatus
    ) -> CustomerRecorded:
        """Set the status by hand, from any status to any other."""
        customer = self.app.customer_of(principal, customer_id)
        customer.set_status(status, principal.user_id)
        return self._saved(customer.id, customer)

    @command(Action.MANAGE_CUSTOMERS)
    def add_note(self, principal: Principal, customer_id: UUID, text: str) -> CustomerRecorded:
        customer = self.app.customer_of(principal, customer_id)
        note_id = customer.add_note(text, principal.user_id)
        return self._saved(note_id, customer)

    @command(Action.MANAGE_CUSTOMERS)
    def edit_note(
        self, principal: Principal, customer_id: UUID, note_id: UUID, text: str
    ) -> CustomerRecorded:
        """New words for a note: its author's, or an admin's or owner's."""
        customer = self._with_note_authors(principal, customer_id)
        anyone = moderates_notes(principal)
        customer.edit_note(note_id, text, principal.user_id, may_change_any=anyone)
        return self._saved(note_id, customer)

    @command(Action.MANAGE_CUSTOMERS)
    def delete_note(
        self, principal: Principal, customer_id: UUID, note_id: UUID
    ) -> CustomerRecorded:
        """Remove a note: its author, or an admin or owner (the history keeps that it was)."""
        customer = self._with_note_authors(principal, customer_id)
        anyone = moderates_notes(principal)
        customer.delete_note(note_id, principal.user_id, may_change_any=anyone)
        return self._saved(note_id, customer)

    def _with_note_authors(self, principal: Principal, customer_id: UUID) -> Customer:
        """The customer, knowing who wrote each note: a customer loaded from a snapshot
        taken before the aggregate kept them reads them from its note events."""
        customer = self.app.customer_of(principal, customer_id)
        if customer.note_authors is None:
            authors: dict[str, str] = {}
            for event in self.app.events.get(customer_id):
                if isinstance(event, Customer.NoteAdded):
                    authors[str(event.note_id)] = str(event.actor_id)
                elif isinstance(event, Customer.NoteDeleted):
                    authors.pop(str(event.note_id), None)
            customer.note_authors = authors
        return customer

    @command(Action.DELETE_CUSTOMERS)
    def delete(self, principal: Principal, customer_id: UUID) -> Recorded:
        """Delete the customer and give its plan slot back, in one transaction."""
        customer = self.app.customer_of(principal, customer_id)
        organization = self.app.load(principal.organization_id, Organization)
        customer.delete(principal.user_id)
        organization.release_customer_slot(customer.id, principal.user_id)
        return Recorded(customer.id, self.app.record(customer, organization))


def moderates_notes(principal: Principal) -> bool:
    """Admins and owners may change or delete anyone's notes."""
    return principal.role in (Role.ADMIN, Role.OWNER)
