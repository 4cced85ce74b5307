"""The auditor's view: a customer's stored events, and its state as of a version or a time.

Everything here reads the event store. The customer's upload links, received
files and sent files are aggregates of their own that carry the customer's id;
which ones belong to a customer is looked up in an index (`CustomerPartsIndex`,
the `customer_parts` read model) that is built from the event store's own
notifications, and the part of the log the index has not reached yet is read
directly. So a lagging, missing or rebuilding index makes the answer slower,
never incomplete: the events themselves always come from the event store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.utils import get_topic, resolve_topic

from application.command import Context
from application.errors import NotFound
from application.principal import Principal
from domain.customer import Customer
from domain.erasure import ERASED, ErasedEvent, ErasedRecord
from domain.errors import InvalidValue
from domain.received_file import ReceivedFile
from domain.sent_file import SentFile
from domain.upload_link import UploadLink

if TYPE_CHECKING:
    from application.docintake import DocIntake

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
# Stored, but of no use to an auditor and of use to an attacker.
_REDACTED = {"password_hash"}
REDACTED = "[redacted]"

# The first event of every aggregate that belongs to one customer (each carries `customer_id`).
CUSTOMER_PART_STARTS: tuple[type, ...] = (
    UploadLink.UploadLinkCreated,
    ReceivedFile.FileUploaded,
    SentFile.FileSent,
)
CUSTOMER_PART_TOPICS = [get_topic(cls) for cls in CUSTOMER_PART_STARTS]
SCAN_PAGE = 1000


class CustomerPartsIndex(Protocol):
    """Which links and files belong to a customer, as far as the index has read the log."""

    def parts_of(self, customer_id: UUID) -> tuple[list[UUID], int]:
        """The ids found so far, and the log position the index has reached."""


@dataclass(frozen=True)
class HistoryEvent:
    aggregate_id: UUID
    aggregate_type: str
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
    """One stored event as an auditor reads it (secrets' hashes redacted; an erased
    customer's events as their skeleton: every personal field marked erased)."""
    if isinstance(event, ErasedEvent):
        return describe_erased(event)
    data = {
        k: REDACTED if k in _REDACTED and v is not None else plain(v)
        for k, v in vars(event).items()
        if k not in _ENVELOPE
    }
    actor = data.pop("actor_id", None)
    return HistoryEvent(
        aggregate_id=event.originator_id,
        aggregate_type=type(event).__qualname__.split(".")[0],
        version=event.originator_version,
        type=type(event).__name__,
        timestamp=event.timestamp,
        actor_id=UUID(actor) if actor else None,
        data=data,
    )


def describe_erased(event: ErasedEvent) -> HistoryEvent:
    try:
        fields = [
            name
            for cls in reversed(resolve_topic(event.topic).__mro__)
            for name in getattr(cls, "__annotations__", {})
            if not name.startswith("_") and name not in _ENVELOPE and name != "class_version"
        ]
    except Exception:
        fields = []
    data: dict[str, Any] = {name: ERASED for name in dict.fromkeys(fields)}
    data.update({k: plain(v) for k, v in event.known.items()})
    actor = data.pop("actor_id", None)
    return HistoryEvent(
        aggregate_id=event.originator_id,
        aggregate_type=event.aggregate_name,
        version=event.originator_version,
        type=event.type_name,
        timestamp=event.timestamp,
        actor_id=UUID(actor) if isinstance(actor, str) and actor != ERASED else None,
        data=data,
    )


def customer_state(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(customer.id),
        "version": customer.version,
        "name": customer.name,
        "email": customer.email,
        "company": customer.company,
        "customer_number": customer.customer_number,
        "language": customer.language,
        "status": customer.status,
        "note_count": customer.note_count,
        "deleted": customer.deleted,
        "created_at": customer.created_on.isoformat(),
        "modified_at": customer.modified_on.isoformat(),
    }


@dataclass(frozen=True)
class PartCounts:
    """What the customer list counts of a customer: its open links, its files, and when
    the last file arrived."""

    link_count: int
    file_count: int
    last_upload_at: datetime | None
    overdue: bool = False


class History(Context):
    """The auditor's queries over the event store."""

    def __init__(
        self,
        app: DocIntake,
        customer_parts_index: CustomerPartsIndex | None,
        customer_aggregates: CustomerPartsIndex | None,
    ) -> None:
        super().__init__(app)
        # Without it every history reads the whole log.
        self.customer_parts_index = customer_parts_index
        # The event store's own record of each aggregate's customer (exact, and kept after a
        # deletion, when the read-model index has dropped the customer's rows).
        self.customer_aggregates = customer_aggregates

    def of_customer(self, customer_id: UUID) -> list[HistoryEvent]:
        """Every stored event of the customer and of its links and files, oldest first.

        Read from the event store. The order is by time; events recorded in the
        same instant keep the customer's events first, then each aggregate's in
        version order.
        """
        own = self._customer_events(customer_id)
        events: list[Any] = own + [
            e for part in self.customer_parts(customer_id) for e in self.app.events.get(part)
        ]
        events.sort(key=lambda e: e.timestamp)
        return [describe(e) for e in events]

    def _customer_events(self, customer_id: UUID) -> list[Any]:
        own: list[Any] = list(self.app.events.get(customer_id))
        created = own[0] if own else None
        erased_creation = (
            isinstance(created, ErasedEvent) and created.type_name == "CustomerCreated"
        )
        if not (isinstance(created, Customer.CustomerCreated) or erased_creation):
            raise NotFound(f"No customer with id {customer_id}.")
        return own

    def customer_parts(self, customer_id: UUID) -> list[UUID]:
        """Ids of the customer's upload links, received files and sent files, oldest first."""
        index = self.customer_parts_index
        known, position = index.parts_of(customer_id) if index else ([], 0)
        if self.customer_aggregates is not None:
            owned, head = self.customer_aggregates.parts_of(customer_id)
            known, position = [*known, *owned], max(position, head)
        return list(dict.fromkeys([*known, *self._scan_for_parts(customer_id, position)]))

    def part_counts(self, customer_id: UUID) -> PartCounts:
        """The customer list's counts, from the event store itself (for an answer when the
        list cannot be read)."""
        links = files = 0
        last: datetime | None = None
        overdue = False
        now = self.app.now()
        for part_id in self.customer_parts(customer_id):
            part: object = self.app.repository.get(part_id)
            if isinstance(part, UploadLink):
                links += not (part.revoked or part.expired_marked)
                overdue = overdue or part.overdue(now)
            elif isinstance(part, ReceivedFile):
                files += not part.deleted
                last = part.created_on if last is None else max(last, part.created_on)
        return PartCounts(links, files, last, overdue)

    def files_left(self, customer_id: UUID, leaving: UUID) -> int:
        """How many of the customer's received files remain once `leaving` is gone, from
        the event store itself (exact, whatever the read models have reached)."""
        left = 0
        for part_id in self.customer_parts(customer_id):
            if part_id == leaving:
                continue
            part: object = self.app.repository.get(part_id)
            left += isinstance(part, ReceivedFile) and not part.deleted
        return left

    def _scan_for_parts(self, customer_id: UUID, after: int) -> Iterable[UUID]:
        head = self.app.head()
        while after < head:
            page = self.app.recorder.select_notifications(
                start=after,
                limit=SCAN_PAGE,
                stop=head,
                topics=CUSTOMER_PART_TOPICS,
                inclusive_of_start=False,
            )
            if not page:
                return
            for notification in page:
                event = self.app.mapper.to_domain_event(notification)
                if getattr(event, "customer_id", None) == customer_id:
                    yield event.originator_id
            after = page[-1].id

    def for_principal(self, principal: Principal, customer_id: UUID) -> list[HistoryEvent]:
        self.app.customer_of(principal, customer_id)
        return self.of_customer(customer_id)

    def customer_state_at(
        self, customer_id: UUID, *, version: int | None = None, at: datetime | None = None
    ) -> dict[str, Any]:
        """The customer as of a version, or as of a moment (the last version recorded by then).

        Raises NotFound for a moment before the customer existed, InvalidValue
        for a version it never reached.
        """
        own = self._customer_events(customer_id)
        if at is not None:
            versions = [e.originator_version for e in own if e.timestamp <= at]
            if not versions:
                raise NotFound(f"Customer {customer_id} did not exist at {at.isoformat()}.")
            version = versions[-1]
        if version is not None and version > own[-1].originator_version:
            raise InvalidValue.single("version", f"must be at most {own[-1].originator_version}")
        customer: object = self.app.repository.get(customer_id, version=version)
        if isinstance(customer, ErasedRecord):
            return {"id": str(customer_id), "version": customer.version, "erased": True}
        if not isinstance(customer, Customer):
            raise NotFound(f"No customer with id {customer_id}.")
        return customer_state(customer)
