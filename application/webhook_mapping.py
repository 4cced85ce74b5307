"""Which domain events become which webhook event types, and with which ids.

Payloads are thin: ids, types and times only, never names, e-mail addresses or
file names; the receiver asks the API for the rest. A new type is one line in
`OCCURRENCES` (and its name in `domain.webhook_events.EVENT_TYPES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.customer import Customer
from domain.erasure import ErasedEvent
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink


@dataclass(frozen=True)
class Occurrence:
    """What one domain event tells webhook receivers."""

    type: str
    customer_id: UUID
    link_id: UUID | None = None
    file_id: UUID | None = None


Describe = Callable[[Any], Occurrence]


def _customer(type_name: str) -> Describe:
    return lambda event: Occurrence(type_name, customer_id=event.originator_id)


def _link(type_name: str) -> Describe:
    return lambda event: Occurrence(
        type_name, customer_id=event.customer_id, link_id=event.originator_id
    )


def _file(type_name: str) -> Describe:
    return lambda event: Occurrence(
        type_name,
        customer_id=event.customer_id,
        link_id=getattr(event, "link_id", None),
        file_id=event.originator_id,
    )


#: Domain event class -> how it is told.
OCCURRENCES: dict[type, Describe] = {
    Customer.CustomerCreated: _customer("customer.created"),
    Customer.CustomerDetailsChanged: _customer("customer.updated"),
    Customer.StatusChanged: _customer("customer.status_changed"),
    Customer.CustomerDeleted: _customer("customer.deleted"),
    UploadLink.UploadLinkCreated: _link("link.created"),
    UploadLink.UploadLinkSent: _link("link.sent"),
    UploadLink.UploadLinkRevoked: _link("link.revoked"),
    UploadLink.UploadLinkExpired: _link("link.expired"),
    UploadLink.ReminderSent: _link("reminder.sent"),
    ReceivedFile.FileUploaded: _file("file.uploaded"),
    ReceivedFile.FileReviewed: _file("file.reviewed"),
    ReceivedFile.FileQuarantined: _file("file.infected"),
}


_BY_TOPIC: dict[str, Describe] = {get_topic(cls): describe for cls, describe in OCCURRENCES.items()}


@dataclass(frozen=True)
class _Skeleton:
    """The ids an erased event still shows, under the names the describers read."""

    originator_id: UUID
    customer_id: UUID
    link_id: UUID | None


def occurrence_of(event: Any) -> Occurrence | None:
    """What `event` tells receivers, or None. An event erased with its customer (deleted
    before this was told) still tells its ids: erasure removes personal data, and a
    webhook payload holds none."""
    if isinstance(event, ErasedEvent):
        describe = _BY_TOPIC.get(event.topic)
        link_id = event.known.get("link_id")
        skeleton = _Skeleton(
            event.originator_id, event.customer_id, link_id if isinstance(link_id, UUID) else None
        )
        return describe(skeleton) if describe is not None else None
    describe = OCCURRENCES.get(type(event))
    return describe(event) if describe is not None else None
