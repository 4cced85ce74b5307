"""Upload links: the client's way in, assigned to one customer for good."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidValue, problem
from domain.values import text_value

_TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/upload-link")

TITLE_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 5_000
ITEM_LABEL_MAX_LENGTH = 200
MAX_REQUESTED_ITEMS = 50
MAX_ALLOWED_TYPES = 50
# After this many wrong passwords in a row the link locks until staff unlock it.
PASSWORD_FAILURES_BEFORE_LOCK = 10

_MIME = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$")


class LinkRefused(DomainError):
    """The public side may not use this link (expired, revoked, locked, full, ...)."""


class LinkExpired(LinkRefused):
    code = "link_expired"


class LinkRevoked(LinkRefused):
    code = "link_revoked"


class LinkLocked(LinkRefused):
    code = "link_locked"


class MaxFilesReached(LinkRefused):
    code = "max_files_reached"


class LinkNotActive(DomainError):
    code = "conflict"


def allowed_types(value: object, field: str = "allowed_types") -> list[str]:
    """MIME types or `type/*`; an empty list allows every type."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ALLOWED_TYPES:
        raise InvalidValue.single(
            field, f"must be a list of at most {MAX_ALLOWED_TYPES} MIME types"
        )
    types: list[str] = []
    for item in value:
        text = item.strip().lower() if isinstance(item, str) else None
        if not text or not _MIME.match(text):
            raise InvalidValue.single(
                field, f"{item!r} is not a MIME type such as application/pdf or image/*"
            )
        if text not in types:
            types.append(text)
    return types


# Types that can carry script when a browser opens them: a wildcard such as `image/*`
# ("photos and scans") never admits them; a link must name them to take them.
NAMED_ONLY_TYPES = frozenset({"image/svg+xml", "text/html", "application/xhtml+xml"})


def type_allowed(content_type: str, allowed: list[str]) -> bool:
    if not allowed:
        return True
    if content_type in allowed:
        return True
    major = content_type.split("/", 1)[0]
    return f"{major}/*" in allowed and content_type not in NAMED_ONLY_TYPES


def requested_items(value: object, field: str = "requested_items") -> list[dict[str, Any]]:
    """Named documents the client is asked for; labels are trimmed and must be unique."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_REQUESTED_ITEMS:
        raise InvalidValue.single(
            field,
            problem(
                "too_many_items",
                f"must be a list of at most {MAX_REQUESTED_ITEMS} labels",
                limit=MAX_REQUESTED_ITEMS,
            ),
        )
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in value:
        raw_label = raw.get("label") if isinstance(raw, dict) else raw
        if not isinstance(raw_label, str) or not raw_label.strip():
            raise InvalidValue.single(
                field, problem("item_without_label", "every item needs a non-empty label")
            )
        checked = text_value(raw_label, field, max_length=ITEM_LABEL_MAX_LENGTH, required=True)
        assert checked is not None
        label = unicodedata.normalize("NFC", checked)
        if label.casefold() in seen:
            raise InvalidValue.single(
                field, problem("item_twice", f"{label!r} is listed twice", label=label)
            )
        seen.add(label.casefold())
        items.append({"id": uuid4(), "label": label})
    return items


class UploadLink(Aggregate):
    """A link a client uses to upload files for one customer.

    Its id is derived from a hash of its token, so a request is looked up by
    hashing the token it presents. The token itself is kept in the creation
    event so staff can copy the link again at any time.
    """

    class UploadLinkCreated(Aggregate.Created):
        organization_id: UUID
        customer_id: UUID
        token: str
        token_hash: str
        title: str | None
        message: str | None
        expires_at: datetime
        max_file_size: int
        max_files: int | None
        allowed_types: list[str]
        password_hash: str | None
        requested_items: list[dict[str, Any]]
        actor_id: UUID

    class UploadReceived(Aggregate.Event):
        customer_id: UUID
        file_id: UUID
        item_id: UUID | None

    class UploadRemoved(Aggregate.Event):
        customer_id: UUID
        file_id: UUID
        item_id: UUID | None
        actor_id: UUID

    class PasswordAttemptFailed(Aggregate.Event):
        customer_id: UUID

    class UploadLinkLocked(Aggregate.Event):
        customer_id: UUID

    class UploadLinkUnlocked(Aggregate.Event):
        customer_id: UUID
        actor_id: UUID

    class UploadLinkRevoked(Aggregate.Event):
        customer_id: UUID
        actor_id: UUID

    class UploadLinkSendRequested(Aggregate.Event):
        customer_id: UUID
        to: str
        message: str | None
        actor_id: UUID

    class UploadLinkSent(Aggregate.Event):
        customer_id: UUID
        to: str
        request_id: UUID

        def apply(self, aggregate: Any) -> None:
            # The event's own time: a method body only sees the previous event's.
            aggregate.last_sent_at = self.timestamp
            aggregate.last_sent_to = self.to
            aggregate.send_failure = None

    class UploadLinkSendFailed(Aggregate.Event):
        customer_id: UUID
        to: str
        request_id: UUID
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.send_failure = self.reason

    class UploadLinkExpired(Aggregate.Event):
        customer_id: UUID

    class DueDateSet(Aggregate.Event):
        """The date by which the client should have sent everything (None: no due date)."""

        customer_id: UUID
        due_at: datetime | None
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.due_at = self.due_at
            # The schedule starts again from this moment: earlier slots are never sent.
            aggregate.due_set_at = self.timestamp
            aggregate.last_reminder_slot = None

    class RemindersSwitched(Aggregate.Event):
        customer_id: UUID
        enabled: bool
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.reminders_enabled = self.enabled

    class ReminderSent(Aggregate.Event):
        """A reminder to the client, by the schedule (`slot`) or by hand (`actor_id`),
        naming what was still missing; a job mails it."""

        customer_id: UUID
        slot: int | None
        to: str
        missing: list[str]
        actor_id: UUID | None

        def apply(self, aggregate: Any) -> None:
            aggregate.reminders_sent += 1
            aggregate.last_reminder_at = self.timestamp
            if self.slot is not None:
                aggregate.last_reminder_slot = self.slot

    # Links created before due dates and reminders read these defaults.
    due_at: datetime | None = None
    due_set_at: datetime | None = None
    reminders_enabled: bool = True
    reminders_sent: int = 0
    last_reminder_slot: int | None = None
    last_reminder_at: datetime | None = None

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(_TOKEN_NAMESPACE, token_hash)

    @classmethod
    def id_for(cls, token_hash: str) -> UUID:
        return cls.create_id(token_hash)

    @event(UploadLinkCreated)
    def __init__(
        self,
        organization_id: UUID,
        customer_id: UUID,
        token: str,
        token_hash: str,
        title: str | None,
        message: str | None,
        expires_at: datetime,
        max_file_size: int,
        max_files: int | None,
        allowed_types: list[str],
        password_hash: str | None,
        requested_items: list[dict[str, Any]],
        actor_id: UUID,
    ) -> None:
        self.organization_id = organization_id
        self.customer_id = customer_id
        self.token = token
        self.title = title
        self.message = message
        self.expires_at = expires_at
        self.max_file_size = max_file_size
        self.max_files = max_files
        self.allowed_types = allowed_types
        self.password_hash = password_hash
        self.requested_items = requested_items
        self.revoked = False
        self.expired_marked = False
        self.locked = False
        self.password_failures = 0
        self.upload_count = 0
        self.received_items: dict[str, int] = {}
        self.last_sent_at: datetime | None = None
        self.last_sent_to: str | None = None
        self.send_failure: str | None = None

    # What the public side may do -------------------------------------------------

    def refuse_if_unusable(self, now: datetime) -> None:
        """Expiry is checked here, on every request, whatever any job has marked."""
        office = {"organization_id": self.organization_id}
        if self.revoked:
            raise LinkRevoked("This upload link has been revoked.", **office)
        if self.expired_marked or now >= self.expires_at:
            raise LinkExpired("This upload link has expired.", **office)
        if self.locked:
            raise LinkLocked("This upload link is locked after too many wrong passwords.", **office)

    def status(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        if self.expired_marked or now >= self.expires_at:
            return "expired"
        return "active"

    @property
    def password_protected(self) -> bool:
        return self.password_hash is not None

    def item_ids(self) -> set[str]:
        return {str(item["id"]) for item in self.requested_items}

    def files_left(self) -> int | None:
        return None if self.max_files is None else max(0, self.max_files - self.upload_count)

    def receive(self, file_id: UUID, item_id: UUID | None, now: datetime) -> None:
        self.refuse_if_unusable(now)
        if self.max_files is not None and self.upload_count >= self.max_files:
            raise MaxFilesReached(
                f"This link takes at most {self.max_files} files.", count=self.max_files
            )
        if item_id is not None and str(item_id) not in self.item_ids():
            raise InvalidValue.single(
                "item_id", problem("not_requested_item", "is not a requested item of this link")
            )
        self._upload_received(customer_id=self.customer_id, file_id=file_id, item_id=item_id)

    @event(UploadReceived)
    def _upload_received(self, customer_id: UUID, file_id: UUID, item_id: UUID | None) -> None:
        self.upload_count += 1
        if item_id is not None:
            key = str(item_id)
            self.received_items[key] = self.received_items.get(key, 0) + 1

    def remove_upload(self, file_id: UUID, item_id: UUID | None, actor_id: UUID) -> None:
        self._upload_removed(
            customer_id=self.customer_id, file_id=file_id, item_id=item_id, actor_id=actor_id
        )

    @event(UploadRemoved)
    def _upload_removed(
        self, customer_id: UUID, file_id: UUID, item_id: UUID | None, actor_id: UUID
    ) -> None:
        self.upload_count = max(0, self.upload_count - 1)
        if item_id is not None:
            key = str(item_id)
            self.received_items[key] = max(0, self.received_items.get(key, 0) - 1)

    def password_failed(self) -> None:
        self._password_attempt_failed(customer_id=self.customer_id)
        if self.password_failures >= PASSWORD_FAILURES_BEFORE_LOCK and not self.locked:
            self._locked(customer_id=self.customer_id)

    @event(PasswordAttemptFailed)
    def _password_attempt_failed(self, customer_id: UUID) -> None:
        self.password_failures += 1

    @event(UploadLinkLocked)
    def _locked(self, customer_id: UUID) -> None:
        self.locked = True

    # What staff may do -------------------------------------------------------------

    def unlock(self, actor_id: UUID) -> bool:
        if not self.locked:
            return False
        self._unlocked(customer_id=self.customer_id, actor_id=actor_id)
        return True

    @event(UploadLinkUnlocked)
    def _unlocked(self, customer_id: UUID, actor_id: UUID) -> None:
        self.locked = False
        self.password_failures = 0

    def revoke(self, actor_id: UUID) -> bool:
        """Stop the link; one already revoked or marked expired stays as it is."""
        if self.revoked or self.expired_marked:
            return False
        self._revoked(customer_id=self.customer_id, actor_id=actor_id)
        return True

    @event(UploadLinkRevoked)
    def _revoked(self, customer_id: UUID, actor_id: UUID) -> None:
        self.revoked = True

    def request_send(self, to: str, message: str | None, actor_id: UUID, now: datetime) -> None:
        if self.status(now) != "active":
            raise LinkNotActive("Only an active link can be sent.")
        self._send_requested(
            customer_id=self.customer_id, to=to, message=message, actor_id=actor_id
        )

    @event(UploadLinkSendRequested)
    def _send_requested(
        self, customer_id: UUID, to: str, message: str | None, actor_id: UUID
    ) -> None:
        pass

    def mark_sent(self, customer_id: UUID, to: str, request_id: UUID) -> None:
        self.trigger_event(
            self.UploadLinkSent, customer_id=customer_id, to=to, request_id=request_id
        )

    def mark_send_failed(self, customer_id: UUID, to: str, request_id: UUID, reason: str) -> None:
        self.trigger_event(
            self.UploadLinkSendFailed,
            customer_id=customer_id,
            to=to,
            request_id=request_id,
            reason=reason,
        )

    def mark_expired(self, now: datetime) -> bool:
        """Record an expiry that has happened (the request-time check stays the authority)."""
        if self.revoked or self.expired_marked or now < self.expires_at:
            return False
        self._expired(customer_id=self.customer_id)
        return True

    @event(UploadLinkExpired)
    def _expired(self, customer_id: UUID) -> None:
        self.expired_marked = True

    # Due date and reminders -----------------------------------------------------------

    def set_due(self, due_at: datetime | None, actor_id: UUID, now: datetime) -> bool:
        """Set (or clear) the due date: in the future and not after the expiry."""
        if due_at is not None:
            if due_at <= now:
                raise InvalidValue.single("due_at", "must be in the future")
            if due_at > self.expires_at:
                raise InvalidValue.single("due_at", "must not be after expires_at")
        if due_at == self.due_at:
            return False
        self.trigger_event(
            self.DueDateSet, customer_id=self.customer_id, due_at=due_at, actor_id=actor_id
        )
        return True

    def switch_reminders(self, enabled: bool, actor_id: UUID) -> bool:
        if enabled == self.reminders_enabled:
            return False
        self.trigger_event(
            self.RemindersSwitched, customer_id=self.customer_id, enabled=enabled, actor_id=actor_id
        )
        return True

    def missing_items(self) -> list[str]:
        """Labels of the requested documents no file was received for."""
        return [
            str(item["label"])
            for item in self.requested_items
            if not self.received_items.get(str(item["id"]))
        ]

    def everything_received(self) -> bool:
        """Every requested document has a file (a link asking for nothing: any file)."""
        if self.requested_items:
            return not self.missing_items()
        return self.upload_count > 0

    def overdue(self, now: datetime) -> bool:
        return (
            self.due_at is not None
            and now >= self.due_at
            and self.status(now) == "active"
            and not self.everything_received()
        )

    def why_not_remind(
        self, customer_email: str | None, customer_done: bool, now: datetime
    ) -> str | None:
        """Why the client is not to be reminded now (None: they may be).

        Stops: everything received, the link revoked or expired, the customer set
        complete or deleted (`customer_done`), the link never sent by e-mail, the
        customer without an e-mail address.
        """
        if self.status(now) != "active":
            return f"the link is {self.status(now)}"
        if customer_done:
            return "the customer is complete or deleted"
        if self.everything_received():
            return "everything was received"
        if self.last_sent_to is None:
            return "the link was never sent by e-mail"
        if not customer_email:
            return "the customer has no e-mail address"
        return None

    def remind(self, slot: int | None, actor_id: UUID | None, now: datetime) -> None:
        """Record a reminder (a job mails it) to the address the link was sent to."""
        if self.status(now) != "active":
            raise LinkNotActive("Only an active link can be reminded of.")
        if self.last_sent_to is None:
            raise LinkNotActive("The link was never sent by e-mail.")
        if (
            slot is not None
            and self.last_reminder_slot is not None
            and slot <= self.last_reminder_slot
        ):
            raise LinkNotActive("This reminder was sent already.")
        self.trigger_event(
            self.ReminderSent,
            customer_id=self.customer_id,
            slot=slot,
            to=self.last_sent_to,
            missing=self.missing_items(),
            actor_id=actor_id,
        )
