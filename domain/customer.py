"""The customer: the professional's client whose documents are collected."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import CustomerAlreadyDeleted
from domain.values import (
    CustomerStatus,
    StatusChangeReason,
    company_name,
    customer_name,
    email_address,
    note_text,
)

_UNCHANGED: Any = object()


class Customer(Aggregate):
    """A customer of one organisation.

    Its personal data (name, e-mail, company, notes) lives only in this
    aggregate's events, so that it can later be encrypted with a key of its own.
    """

    class CustomerCreated(Aggregate.Created):
        # Version 2 added `language`, the customer's language for mails and the
        # upload page. Every customer created before it was addressed in German.
        class_version = 2

        organization_id: UUID
        name: str
        email: str | None
        company: str | None
        actor_id: UUID
        language: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["language"] = "de"

    class CustomerDetailsChanged(Aggregate.Event):
        changes: dict[str, str | None]
        actor_id: UUID

    class StatusChanged(Aggregate.Event):
        old_status: str
        new_status: str
        reason: str
        actor_id: UUID | None

    class NoteAdded(Aggregate.Event):
        note_id: UUID
        text: str
        actor_id: UUID

    class CustomerDeleted(Aggregate.Event):
        actor_id: UUID

    @classmethod
    def create(
        cls,
        organization_id: UUID,
        name: object,
        email: object,
        company: object,
        actor_id: UUID,
    ) -> Customer:
        return cls(
            organization_id=organization_id,
            name=customer_name(name),
            email=email_address(email),
            company=company_name(company),
            actor_id=actor_id,
        )

    @event(CustomerCreated)
    def __init__(
        self,
        organization_id: UUID,
        name: str,
        email: str | None,
        company: str | None,
        actor_id: UUID,
        language: str = "de",
    ) -> None:
        self.organization_id = organization_id
        self.name = name
        self.email = email
        self.company = company
        self.language = language
        self.status = CustomerStatus.OPEN.value
        # Notes live in their events and in the detail read model; the aggregate only
        # counts them, so its state (and its snapshots) stay small however many there are.
        self.note_count = 0
        self.deleted = False

    def change_details(
        self,
        actor_id: UUID,
        name: object = _UNCHANGED,
        email: object = _UNCHANGED,
        company: object = _UNCHANGED,
    ) -> bool:
        """Change what is given; returns False when nothing actually changed."""
        self._refuse_if_deleted()
        changes: dict[str, str | None] = {}
        if name is not _UNCHANGED and customer_name(name) != self.name:
            changes["name"] = customer_name(name)
        if email is not _UNCHANGED and email_address(email) != self.email:
            changes["email"] = email_address(email)
        if company is not _UNCHANGED and company_name(company) != self.company:
            changes["company"] = company_name(company)
        if not changes:
            return False
        self._details_changed(changes=changes, actor_id=actor_id)
        return True

    @event(CustomerDetailsChanged)
    def _details_changed(self, changes: dict[str, str | None], actor_id: UUID) -> None:
        for field, value in changes.items():
            setattr(self, field, value)

    def set_status(self, status: CustomerStatus, actor_id: UUID) -> bool:
        """Set the status by hand, from any status to any other."""
        self._refuse_if_deleted()
        if status.value == self.status:
            return False
        self._status_changed(
            old_status=self.status,
            new_status=status.value,
            reason=StatusChangeReason.MANUAL.value,
            actor_id=actor_id,
        )
        return True

    def mark_first_upload(self, actor_id: UUID | None) -> bool:
        """The first upload moves an open customer to partial; it never touches the others."""
        if self.deleted or self.status != CustomerStatus.OPEN.value:
            return False
        self._status_changed(
            old_status=self.status,
            new_status=CustomerStatus.PARTIAL.value,
            reason=StatusChangeReason.AUTOMATIC.value,
            actor_id=actor_id,
        )
        return True

    @event(StatusChanged)
    def _status_changed(
        self, old_status: str, new_status: str, reason: str, actor_id: UUID | None
    ) -> None:
        self.status = new_status

    def add_note(self, text: object, actor_id: UUID) -> UUID:
        self._refuse_if_deleted()
        note_id = uuid4()
        self._note_added(note_id=note_id, text=note_text(text), actor_id=actor_id)
        return note_id

    @event(NoteAdded)
    def _note_added(self, note_id: UUID, text: str, actor_id: UUID) -> None:
        self.note_count += 1

    def delete(self, actor_id: UUID) -> None:
        self._refuse_if_deleted()
        self._deleted(actor_id=actor_id)

    @event(CustomerDeleted)
    def _deleted(self, actor_id: UUID) -> None:
        self.deleted = True

    def _refuse_if_deleted(self) -> None:
        if self.deleted:
            raise CustomerAlreadyDeleted("This customer has been deleted.")

    @property
    def created_at(self) -> datetime:
        return self.created_on
