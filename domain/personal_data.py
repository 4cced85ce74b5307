"""Whose personal data each aggregate holds, and what of an event is no one's personal data.

A customer's personal data (name, e-mail, company, notes, file names, link titles,
messages, tokens, uploader names) lives only in the events of the customer's own
aggregates. The storage layer encrypts those events with a key of that customer, so
destroying the key erases them; everything else (organisations, users, members,
tokens, sessions, invitations) carries no customer's personal data and stays readable.
A new aggregate must be listed in exactly one of the two groups, and a new field of an
event outside the customer's group must be judged (`tests/unit/test_personal_data.py`
checks both; `tests/integration/erasure/test_erasure.py` searches the raw storage for a
deleted customer's words).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.branding import Branding
from domain.customer import Customer
from domain.document_templates import DocumentTemplates
from domain.inbox import MemberInbox
from domain.invitation import Invitation
from domain.organization import Organization
from domain.received_file import ReceivedFile
from domain.sent_file import SentFile
from domain.staff_session import StaffSession
from domain.upload_link import UploadLink
from domain.user import ApiToken, User, UserEmail
from domain.webhook_endpoint import WebhookEndpoint

#: Aggregates whose events belong to one customer. All but `Customer` carry `customer_id`
#: in every event.
CUSTOMER_AGGREGATES: tuple[type, ...] = (Customer, UploadLink, ReceivedFile, SentFile)

#: Aggregates that hold no customer's personal data.
NON_CUSTOMER_AGGREGATES: tuple[type, ...] = (
    Organization,
    User,
    UserEmail,
    ApiToken,
    Invitation,
    StaffSession,
    MemberInbox,
    WebhookEndpoint,
    DocumentTemplates,
    Branding,
)

#: Fields that are ids or kinds, never anyone's words: they stay readable beside the
#: encrypted event, so an erased event still says who did what to which record.
SKELETON_FIELDS = frozenset(
    {
        "actor_id",
        "customer_id",
        "organization_id",
        "link_id",
        "file_id",
        "item_id",
        "note_id",
        "request_id",
        "object_key",
    }
)


def owning_customer(aggregate_class: type, originator_id: UUID, state: dict[str, Any]) -> UUID:
    """The customer an event (or snapshot state) of a customer aggregate belongs to."""
    if issubclass(aggregate_class, Customer):
        return originator_id
    customer_id = state.get("customer_id")
    if not isinstance(customer_id, UUID):
        raise ValueError(
            f"{aggregate_class.__name__} event without customer_id: every event of a"
            " customer's aggregate must name its customer"
        )
    return customer_id


def customer_aggregate_of(event_class: type) -> type | None:
    """The customer aggregate an event class belongs to, or None."""
    for aggregate in CUSTOMER_AGGREGATES:
        if issubclass(event_class, aggregate.Event):  # type: ignore[attr-defined]
            return aggregate
    return None
