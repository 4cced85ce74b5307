"""The customer: the professional's client whose documents are collected."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.errors import CustomerAlreadyDeleted, InvalidValue, NoteNotFound, NoteNotYours
from domain.values import (
    CustomerStatus,
    StatusChangeReason,
    company_name,
    customer_name,
    email_address,
    note_text,
)
from domain.values import customer_number as number_value

_UNCHANGED: Any = object()


class Customer(Aggregate):
    """A customer of one organisation.

    Its personal data (name, e-mail, company, customer number, notes) lives only in this
    aggregate's events, so that it can later be encrypted with a key of its own.
    """

    # Version 2 keeps who wrote each note (`note_authors`). A snapshot taken before has
    # none: `note_authors` is None there until the commands read it from the events.
    class_version = 2
    # A customer snapshotted before customer numbers existed has none.
    customer_number: str | None = None
    # Whether the status was reached by itself (uploads), not set by hand. A customer
    # snapshotted before this was kept counts as set by hand: a take-back never changes it.
    status_automatic: bool = False

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["note_authors"] = None

    class CustomerCreated(Aggregate.Created):
        # Version 2 added `language`, the customer's language for mails and the
        # upload page. Every customer created before it was addressed in German.
        # Version 3 added `customer_number` ("Mandantennummer"), the office's own number.
        class_version = 3

        organization_id: UUID
        name: str
        email: str | None
        company: str | None
        actor_id: UUID
        language: str
        customer_number: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["language"] = "de"

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["customer_number"] = None

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

    class NoteEdited(Aggregate.Event):
        note_id: UUID
        text: str
        actor_id: UUID

    class NoteDeleted(Aggregate.Event):
        note_id: UUID
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
        number: object = None,
    ) -> Customer:
        return cls(
            organization_id=organization_id,
            name=customer_name(name),
            email=email_address(email),
            company=company_name(company),
            actor_id=actor_id,
            customer_number=number_value(number),
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
        customer_number: str | None = None,
    ) -> None:
        self.organization_id = organization_id
        self.name = name
        self.email = email
        self.company = company
        self.customer_number = customer_number
        self.language = language
        self.status = CustomerStatus.OPEN.value
        # Notes live in their events and in the detail read model; the aggregate keeps
        # only who wrote each one still there (to decide who may change it), so its state
        # (and its snapshots) stay small however long the notes are.
        self.note_count = 0
        self.note_authors: dict[str, str] | None = {}
        self.deleted = False

    def change_details(
        self,
        actor_id: UUID,
        name: object = _UNCHANGED,
        email: object = _UNCHANGED,
        company: object = _UNCHANGED,
        customer_number: object = _UNCHANGED,
    ) -> bool:
        """Change what is given; returns False when nothing actually changed."""
        self._refuse_if_deleted()
        checks: dict[str, tuple[object, Callable[[object], str | None]]] = {
            "name": (name, customer_name),
            "email": (email, email_address),
            "company": (company, company_name),
            "customer_number": (customer_number, number_value),
        }
        changes: dict[str, str | None] = {}
        problems: dict[str, Any] = {}
        for field, (given, check) in checks.items():
            if given is _UNCHANGED:
                continue
            try:
                value = check(given)
            except InvalidValue as invalid:
                problems.update(invalid.problems)
                continue
            if value != getattr(self, field):
                changes[field] = value
        if problems:
            raise InvalidValue(problems)
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
        self._change_by_itself(CustomerStatus.PARTIAL, actor_id)
        return True

    @property
    def reopens_when_emptied(self) -> bool:
        """Partial by itself (not by hand): open again once no received file remains."""
        return (
            not self.deleted
            and self.status == CustomerStatus.PARTIAL.value
            and self.status_automatic
        )

    def mark_files_gone(self, remaining_files: int, actor_id: UUID | None) -> bool:
        """A file left the customer (taken back by the client, or deleted by staff): a
        status that became partial by itself through uploads returns to open by itself
        when no received file remains. A status set by hand is never changed here."""
        if remaining_files > 0 or not self.reopens_when_emptied:
            return False
        self._change_by_itself(CustomerStatus.OPEN, actor_id)
        return True

    def _change_by_itself(self, status: CustomerStatus, actor_id: UUID | None) -> None:
        self._status_changed(
            old_status=self.status,
            new_status=status.value,
            reason=StatusChangeReason.AUTOMATIC.value,
            actor_id=actor_id,
        )

    @event(StatusChanged)
    def _status_changed(
        self, old_status: str, new_status: str, reason: str, actor_id: UUID | None
    ) -> None:
        self.status = new_status
        self.status_automatic = reason == StatusChangeReason.AUTOMATIC.value

    def add_note(self, text: object, actor_id: UUID) -> UUID:
        self._refuse_if_deleted()
        note_id = uuid4()
        self._note_added(note_id=note_id, text=note_text(text), actor_id=actor_id)
        return note_id

    @event(NoteAdded)
    def _note_added(self, note_id: UUID, text: str, actor_id: UUID) -> None:
        self.note_count += 1
        if self.note_authors is not None:
            self.note_authors[str(note_id)] = str(actor_id)

    def edit_note(
        self, note_id: UUID, text: object, actor_id: UUID, *, may_change_any: bool
    ) -> None:
        """Give a note new words (its author, or an admin or owner)."""
        self._refuse_if_deleted()
        words = note_text(text)
        self._note_of(note_id, actor_id, may_change_any)
        self._note_edited(note_id=note_id, text=words, actor_id=actor_id)

    @event(NoteEdited)
    def _note_edited(self, note_id: UUID, text: str, actor_id: UUID) -> None:
        pass

    def delete_note(self, note_id: UUID, actor_id: UUID, *, may_change_any: bool) -> None:
        """Remove a note (its author, or an admin or owner); the history keeps that it was."""
        self._refuse_if_deleted()
        self._note_of(note_id, actor_id, may_change_any)
        self._note_deleted(note_id=note_id, actor_id=actor_id)

    @event(NoteDeleted)
    def _note_deleted(self, note_id: UUID, actor_id: UUID) -> None:
        self.note_count -= 1
        if self.note_authors is not None:
            self.note_authors.pop(str(note_id), None)

    def _note_of(self, note_id: UUID, actor_id: UUID, may_change_any: bool) -> None:
        assert self.note_authors is not None, "note authors are read before notes change"
        author = self.note_authors.get(str(note_id))
        if author is None:
            raise NoteNotFound(f"No note with id {note_id}.")
        if author != str(actor_id) and not may_change_any:
            raise NoteNotYours("Only the note's author, an admin or an owner may change it.")

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
