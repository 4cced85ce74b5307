"""Upload links: the client's way in, assigned to one customer for good."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidValue, problem
from domain.reminders import ReminderSchedule
from domain.values import text_value

_TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/upload-link")

TITLE_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 5_000
ITEM_LABEL_MAX_LENGTH = 200
ITEM_HINT_MAX_LENGTH = 500
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


class TooManyFiles(MaxFilesReached):
    """More files in one request than the link still takes."""

    text_code = "too_many_files"


class LinkNotActive(DomainError):
    code = "conflict"


class LinkNotExtendable(LinkNotActive):
    """A revoked or expired link is reactivated, not extended."""

    text_code = "link_not_extendable"


class LinkAlreadyActive(LinkNotActive):
    """An active link is extended, not reactivated."""

    text_code = "link_already_active"


def item_state_of(received: int, review: dict[str, str] | None) -> str:
    """One word for a requested document: `missing`, `received`, `checked` or `query` (the
    latest review of its files decides, a file sent after it makes it `received` again)."""
    if review is not None and review.get("state") in {"checked", "query"}:
        return review["state"]
    return "received" if received > 0 else "missing"


class NoOpenQuestions(DomainError):
    code = "conflict"
    text_code = "no_open_questions"


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
        item: dict[str, Any] = {"id": uuid4(), "label": label}
        hint = text_value(
            raw.get("hint") if isinstance(raw, dict) else None,
            field,
            max_length=ITEM_HINT_MAX_LENGTH,
        )
        if hint:
            # A hint for the client ("from your employer, usually in February").
            item["hint"] = hint
        items.append(item)
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
        """A file left the link: deleted by staff, or taken back by the client (`actor_id`
        None)."""

        customer_id: UUID
        file_id: UUID
        item_id: UUID | None
        actor_id: UUID | None  # None: the client took it back, or retention removed it

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

    class QuestionsSendRequested(Aggregate.Event):
        """Staff asked to mail the client the link's open follow-up questions (the link mail
        job sends it; its outcome is recorded like a link mail's)."""

        customer_id: UUID
        to: str
        message: str | None
        actor_id: UUID

    class ItemQueried(Aggregate.Event):
        """A file for a requested document got a follow-up question ("Rückfrage")."""

        customer_id: UUID
        item_id: UUID | None
        file_id: UUID
        question: str
        filename: str
        actor_id: UUID

    class ItemChecked(Aggregate.Event):
        customer_id: UUID
        item_id: UUID | None
        file_id: UUID
        actor_id: UUID

    class ItemReviewReset(Aggregate.Event):
        customer_id: UUID
        item_id: UUID | None
        file_id: UUID
        actor_id: UUID

    class QueryAnswered(Aggregate.Event):
        """The client sent a file for a document with an open question: the answer."""

        customer_id: UUID
        item_id: UUID
        file_id: UUID
        question: str

    class FileQueryAnswered(Aggregate.Event):
        """The client sent a file replacing one of no requested document that had an open
        question (`replaced_file_id`): the answer."""

        customer_id: UUID
        file_id: UUID
        replaced_file_id: UUID
        question: str

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

    class UploadLinkExtended(Aggregate.Event):
        """Staff moved an active link's expiry later."""

        customer_id: UUID
        expires_at: datetime
        previous_expires_at: datetime
        actor_id: UUID

    class UploadLinkReactivated(Aggregate.Event):
        """Staff made a revoked or expired link valid again, until `expires_at`."""

        customer_id: UUID
        expires_at: datetime
        actor_id: UUID

    class TemplateUsed(Aggregate.Event):
        """The link's requested documents were copied from this template (then edited or not)."""

        customer_id: UUID
        template_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.template_id = self.template_id

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

    class ReminderScheduleSet(Aggregate.Event):
        """The link's own reminder schedule (None: the organisation's again); the schedule
        counts from this moment, slots before it are never sent."""

        customer_id: UUID
        schedule: dict[str, Any] | None
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.own_schedule = dict(self.schedule) if self.schedule else None
            if aggregate.due_at is not None:
                aggregate.due_set_at = self.timestamp
                aggregate.last_reminder_slot = None

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

    # Links created before due dates, reminders and templates read these defaults.
    #: Who made the link and who last asked to send it: the client's contact at the office.
    created_by: UUID | None = None
    sent_by: UUID | None = None
    template_id: UUID | None = None
    due_at: datetime | None = None
    due_set_at: datetime | None = None
    reminders_enabled: bool = True
    reminders_sent: int = 0
    last_reminder_slot: int | None = None
    last_reminder_at: datetime | None = None
    own_schedule: dict[str, Any] | None = None

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
        self.created_by = actor_id
        self.revoked = False
        self.expired_marked = False
        self.locked = False
        self.password_failures = 0
        self.upload_count = 0
        self.received_items: dict[str, int] = {}
        # Requested item id (or "file:" + file id for a file of no item) -> the latest
        # review of its files: {"state": "checked" | "query", "file_id", "question", "filename"}.
        self.reviews: dict[str, dict[str, str]] = {}
        # Requested item id -> the question the client's last file for it answered.
        self.answered: dict[str, str] = {}
        self.last_sent_at: datetime | None = None
        self.last_sent_to: str | None = None
        self.send_failure: str | None = None

    # What the public side may do -------------------------------------------------

    def refuse_if_unusable(self, now: datetime) -> None:
        """Expiry is checked here, on every request, whatever any job has marked."""
        office = {"organization_id": self.organization_id, "contact_id": self.contact_id}
        if self.revoked:
            raise LinkRevoked("This upload link has been revoked.", **office)
        if self.expired_marked or now >= self.expires_at:
            raise LinkExpired("This upload link has expired.", **office)
        if self.locked:
            raise LinkLocked("This upload link is locked after too many wrong passwords.", **office)

    @property
    def contact_id(self) -> UUID | None:
        """The staff member the client knows this link from: who last sent it, else who made it."""
        return self.sent_by or self.created_by

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

    def files_acceptable(self) -> int | None:
        """How many files one request may bring: those left, and one answer per document
        with an open question (answers are taken even when the link is full)."""
        left = self.files_left()
        if left is None:
            return None
        answers = sum(1 for key in self.reviews if self.open_question_for(key) is not None)
        return left + answers

    def open_question_for(self, key: str) -> str | None:
        """The open question on a requested document or on a file of no document."""
        review = self.reviews.get(key)
        if review and review["state"] == "query":
            return review["question"]
        return None

    def open_file_question(self, file_id: UUID) -> str | None:
        """The open question on a file sent for no requested document, if any."""
        return self.open_question_for(f"file:{file_id.hex}")

    def check_room(self, count: int) -> None:
        """The max-files rule for every path a file takes: refuse unless the link takes
        `count` more files in one request (the link is full, or the request brings more
        than it still takes; answers to open questions are always taken)."""
        acceptable = self.files_acceptable()
        if acceptable is None or count <= acceptable:
            return
        if acceptable == 0:
            raise MaxFilesReached(
                f"This link takes at most {self.max_files} files.", count=self.max_files
            )
        raise TooManyFiles("This link takes no more files.", count=acceptable)

    def receive(
        self, file_id: UUID, item_id: UUID | None, now: datetime, replaces: UUID | None = None
    ) -> None:
        """A file arrived for `item_id` (a requested document) or, with `replaces`, as the
        answer to the open question on a file of no document."""
        self.refuse_if_unusable(now)
        if replaces is not None:
            self._receive_replacement(file_id, replaces)
            return
        # A replacement for a document with an open question is always taken.
        answers = self.open_question(item_id)
        if answers is None and self.max_files is not None and self.upload_count >= self.max_files:
            raise MaxFilesReached(
                f"This link takes at most {self.max_files} files.", count=self.max_files
            )
        if item_id is not None and str(item_id) not in self.item_ids():
            raise InvalidValue.single(
                "item_id", problem("not_requested_item", "is not a requested item of this link")
            )
        self._upload_received(customer_id=self.customer_id, file_id=file_id, item_id=item_id)
        if answers is not None and item_id is not None:
            self._query_answered(
                customer_id=self.customer_id, item_id=item_id, file_id=file_id, question=answers
            )

    def _receive_replacement(self, file_id: UUID, replaces: UUID) -> None:
        question = self.open_file_question(replaces)
        if question is None:
            raise InvalidValue.single(
                "replaces",
                problem("no_open_question", "is not a file of this link with an open question"),
            )
        # An answer is always taken, even when the link is full.
        self._upload_received(customer_id=self.customer_id, file_id=file_id, item_id=None)
        self._file_query_answered(
            customer_id=self.customer_id,
            file_id=file_id,
            replaced_file_id=replaces,
            question=question,
        )

    @event(FileQueryAnswered)
    def _file_query_answered(
        self, customer_id: UUID, file_id: UUID, replaced_file_id: UUID, question: str
    ) -> None:
        key = f"file:{replaced_file_id.hex}"
        self.reviews.pop(key, None)
        self.answered[key] = question

    # Follow-up questions ("Rückfrage") ---------------------------------------------

    def open_question(self, item_id: UUID | None) -> str | None:
        """The question open on a requested document, if any."""
        review = self.reviews.get(str(item_id)) if item_id is not None else None
        return review["question"] if review and review["state"] == "query" else None

    def item_state(self, item_id: str) -> str:
        """`missing`, `received`, `checked` or `query`: one word for a requested document."""
        return item_state_of(self.received_items.get(item_id, 0), self.reviews.get(item_id))

    def open_questions(self) -> list[dict[str, str]]:
        """Every open question: {key, label (the document, or the file's name), question}."""
        labels = {str(item["id"]): str(item["label"]) for item in self.requested_items}
        return [
            {
                "key": key,
                "label": labels.get(key, review.get("filename", "")),
                "question": review["question"],
            }
            for key, review in self.reviews.items()
            if review["state"] == "query"
        ]

    def file_reviewed(
        self,
        file_id: UUID,
        item_id: UUID | None,
        filename: str,
        state: str,
        comment: str | None,
        actor_id: UUID,
    ) -> None:
        """A file of this link was reviewed: its document's state follows the latest review."""
        key = self._review_key(item_id, file_id)
        customer_id = self.customer_id
        if state == "query":
            self._item_queried(
                customer_id=customer_id,
                item_id=item_id,
                file_id=file_id,
                question=comment or "",
                filename=filename,
                actor_id=actor_id,
            )
        elif state == "checked":
            self._item_checked(
                customer_id=customer_id, item_id=item_id, file_id=file_id, actor_id=actor_id
            )
        elif self.reviews.get(key, {}).get("file_id") == file_id.hex:
            self._item_review_reset(
                customer_id=customer_id, item_id=item_id, file_id=file_id, actor_id=actor_id
            )

    @staticmethod
    def _review_key(item_id: UUID | None, file_id: UUID) -> str:
        return str(item_id) if item_id is not None else f"file:{file_id.hex}"

    @event(ItemQueried)
    def _item_queried(
        self,
        customer_id: UUID,
        item_id: UUID | None,
        file_id: UUID,
        question: str,
        filename: str,
        actor_id: UUID,
    ) -> None:
        self.reviews[self._review_key(item_id, file_id)] = {
            "state": "query",
            "file_id": file_id.hex,
            "question": question,
            "filename": filename,
        }

    @event(ItemChecked)
    def _item_checked(
        self, customer_id: UUID, item_id: UUID | None, file_id: UUID, actor_id: UUID
    ) -> None:
        self.reviews[self._review_key(item_id, file_id)] = {
            "state": "checked",
            "file_id": file_id.hex,
            "question": "",
        }

    @event(ItemReviewReset)
    def _item_review_reset(
        self, customer_id: UUID, item_id: UUID | None, file_id: UUID, actor_id: UUID
    ) -> None:
        self.reviews.pop(self._review_key(item_id, file_id), None)

    @event(QueryAnswered)
    def _query_answered(
        self, customer_id: UUID, item_id: UUID, file_id: UUID, question: str
    ) -> None:
        self.reviews.pop(str(item_id), None)
        self.answered[str(item_id)] = question

    def request_questions_send(self, to: str, actor_id: UUID, now: datetime) -> None:
        """Mail the client the open questions (staff chose to tell them now)."""
        if self.status(now) != "active":
            raise LinkNotActive("Only an active link can be sent.")
        if not self.open_questions():
            raise NoOpenQuestions("This link has no open question to send.")
        self._questions_send_requested(
            customer_id=self.customer_id, to=to, message=None, actor_id=actor_id
        )

    @event(QuestionsSendRequested)
    def _questions_send_requested(
        self, customer_id: UUID, to: str, message: str | None, actor_id: UUID
    ) -> None:
        self.sent_by = actor_id

    @event(UploadReceived)
    def _upload_received(self, customer_id: UUID, file_id: UUID, item_id: UUID | None) -> None:
        self.upload_count += 1
        if item_id is not None:
            key = str(item_id)
            self.received_items[key] = self.received_items.get(key, 0) + 1

    def remove_upload(self, file_id: UUID, item_id: UUID | None, actor_id: UUID | None) -> None:
        self._upload_removed(
            customer_id=self.customer_id, file_id=file_id, item_id=item_id, actor_id=actor_id
        )

    @event(UploadRemoved)
    def _upload_removed(
        self, customer_id: UUID, file_id: UUID, item_id: UUID | None, actor_id: UUID | None
    ) -> None:
        self.upload_count = max(0, self.upload_count - 1)
        key = self._review_key(item_id, file_id)
        if self.reviews.get(key, {}).get("file_id") == file_id.hex:
            self.reviews.pop(key)
        if item_id is not None:
            self.received_items[str(item_id)] = max(0, self.received_items.get(str(item_id), 0) - 1)

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
        self.sent_by = actor_id

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

    # Extending and reactivating -------------------------------------------------------

    def extend(self, expires_at: datetime, actor_id: UUID, now: datetime) -> None:
        """Move an active link's expiry later (`expires_at` checked for the future and the
        longest lifetime by the caller)."""
        if self.status(now) != "active":
            raise LinkNotExtendable(
                "Only an active link can be extended; reactivate it instead.",
                status=self.status(now),
            )
        if expires_at <= self.expires_at:
            raise InvalidValue.single(
                "expires_at",
                problem("not_later", "must be later than the link's current expiry"),
            )
        self._extended(
            customer_id=self.customer_id,
            expires_at=expires_at,
            previous_expires_at=self.expires_at,
            actor_id=actor_id,
        )

    @event(UploadLinkExtended)
    def _extended(
        self,
        customer_id: UUID,
        expires_at: datetime,
        previous_expires_at: datetime,
        actor_id: UUID,
    ) -> None:
        self.expires_at = expires_at

    def reactivate(self, expires_at: datetime, actor_id: UUID, now: datetime) -> None:
        """Make a revoked or expired link valid again until `expires_at` (in the future,
        checked by the caller; not before the link's due date). An expiry no job has
        recorded yet is recorded first, so the history says what happened."""
        if self.status(now) == "active":
            raise LinkAlreadyActive("The link is active; extend it instead.")
        if self.due_at is not None and self.due_at > now and expires_at < self.due_at:
            raise InvalidValue.single(
                "expires_at", problem("before_due", "must not be before the link's due date")
            )
        if not self.revoked and not self.expired_marked:
            self._expired(customer_id=self.customer_id)
        self._reactivated(customer_id=self.customer_id, expires_at=expires_at, actor_id=actor_id)

    @event(UploadLinkReactivated)
    def _reactivated(self, customer_id: UUID, expires_at: datetime, actor_id: UUID) -> None:
        self.expires_at = expires_at
        self.revoked = False
        self.expired_marked = False

    # Due date and reminders -----------------------------------------------------------

    def set_due(self, due_at: datetime | None, actor_id: UUID, now: datetime) -> bool:
        """Set (or clear) the due date: in the future and not after the expiry."""
        if due_at is not None:
            if due_at <= now:
                raise InvalidValue.single(
                    "due_at", problem("not_in_future", "must be in the future")
                )
            if due_at > self.expires_at:
                raise InvalidValue.single(
                    "due_at", problem("due_after_expiry", "must not be after expires_at")
                )
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

    @property
    def reminder_schedule(self) -> ReminderSchedule | None:
        """The link's own schedule (None: it follows the organisation's)."""
        return ReminderSchedule.from_plain(self.own_schedule) if self.own_schedule else None

    def set_reminder_schedule(self, schedule: ReminderSchedule | None, actor_id: UUID) -> bool:
        """Give the link its own schedule, or (None) let it follow the organisation's."""
        if schedule == self.reminder_schedule:
            return False
        self.trigger_event(
            self.ReminderScheduleSet,
            customer_id=self.customer_id,
            schedule=schedule.to_plain() if schedule else None,
            actor_id=actor_id,
        )
        return True

    def missing_items(self) -> list[str]:
        """Labels of the requested documents still missing or open: no file received, or a
        follow-up question on it not yet answered."""
        return [
            str(item["label"])
            for item in self.requested_items
            if self.item_state(str(item["id"])) in {"missing", "query"}
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
