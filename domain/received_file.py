"""Files clients uploaded for a customer, and the staff's review of each."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidValue, problem
from domain.values import text_value

REVIEW_COMMENT_MAX_LENGTH = 2_000
SCAN_REASON_MAX_LENGTH = 500


class ScanState(StrEnum):
    """Where a file stands with the virus scanner.

    `pending` waits for a scan (or for the scanner to come back), `failed` could not
    be scanned yet and is retried, `skipped` was received while scanning was off
    ("nicht geprüft"). Only `clean` and `skipped` files may be handed out.
    """

    PENDING = "pending"
    CLEAN = "clean"
    INFECTED = "infected"
    FAILED = "failed"
    SKIPPED = "skipped"


#: The scan states in which a file may be handed out.
HANDED_OUT = frozenset({ScanState.CLEAN.value, ScanState.SKIPPED.value})


class FileNotScanned(DomainError):
    """The file has not been found clean yet: nobody may have it before."""

    code = "file_not_scanned"


class FileInfected(DomainError):
    """The scanner found malware: the file is quarantined for good."""

    code = "file_infected"


class DeletionReason(StrEnum):
    BY_STAFF = "by_staff"
    BY_CLIENT = "by_client"
    RETENTION = "retention"


class ReviewState(StrEnum):
    PENDING = "pending"
    CHECKED = "checked"
    QUERY = "query"

    @classmethod
    def parse(cls, value: object, field: str = "state") -> ReviewState:
        try:
            return cls(str(value))
        except ValueError:
            raise InvalidValue.single(field, "must be one of pending, checked, query") from None


#: How long the client who sent a file may take it back from the upload page.
REMOVAL_WINDOW = timedelta(minutes=15)


class FileGone(DomainError):
    code = "not_found"
    text_code = "file_gone"


class RemovalRefused(DomainError):
    """The removal secret does not match (another device, another client): refused."""

    code = "removal_refused"


class RemovalTooLate(DomainError):
    code = "removal_too_late"


class ReceivedFile(Aggregate):
    """One uploaded file: its bytes live in file storage under `object_key`."""

    class FileUploaded(Aggregate.Created):
        organization_id: UUID
        customer_id: UUID
        link_id: UUID
        item_id: UUID | None
        object_key: str
        filename: str
        original_filename: str
        size: int
        content_type: str
        sha256: str
        uploader_name: str | None
        uploader_email: str | None
        actor_id: UUID | None
        scan_state: str
        # The hash of the secret the client's page holds to take the file back (None:
        # staff sent it, or it arrived before clients could).
        removal_key_hash: str | None
        class_version = 3

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Files received before scanning existed were never scanned.
            state["scan_state"] = ScanState.SKIPPED.value

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            # Files received before clients could take one back: none can be.
            state["removal_key_hash"] = None

    class FileFoundClean(Aggregate.Event):
        customer_id: UUID

    class FileQuarantined(Aggregate.Event):
        """The scanner found malware (`signature` names it); the file is never handed out."""

        customer_id: UUID
        signature: str

    class FileScanFailed(Aggregate.Event):
        """The file could not be scanned (scanner unreachable, storage failing); retried."""

        customer_id: UUID
        reason: str

    class FileReviewed(Aggregate.Event):
        customer_id: UUID
        state: str
        comment: str | None
        actor_id: UUID

    class FileDeleted(Aggregate.Event):
        """The file is gone (its bytes are removed by the cleanup policy). `reason`:
        `by_staff` (`actor_id` deleted it), `by_client` (the client who sent it took it back
        within `REMOVAL_WINDOW`; no actor, as for the upload itself) or `retention` (the
        organisation's retention period ended; no actor)."""

        customer_id: UUID
        actor_id: UUID | None
        reason: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Before retention a deletion was staff's, or the client's (no actor).
            by_client = state.get("actor_id") is None
            state["reason"] = (
                DeletionReason.BY_CLIENT if by_client else DeletionReason.BY_STAFF
            ).value

    @event(FileUploaded)
    def __init__(
        self,
        id: UUID,  # the library takes a given aggregate id this way
        organization_id: UUID,
        customer_id: UUID,
        link_id: UUID,
        item_id: UUID | None,
        object_key: str,
        filename: str,
        original_filename: str,
        size: int,
        content_type: str,
        sha256: str,
        uploader_name: str | None,
        uploader_email: str | None,
        actor_id: UUID | None,
        scan_state: str = ScanState.SKIPPED.value,
        removal_key_hash: str | None = None,
    ) -> None:
        self.organization_id = organization_id
        self.customer_id = customer_id
        self.link_id = link_id
        self.item_id = item_id
        self.object_key = object_key
        self.filename = filename
        self.original_filename = original_filename
        self.size = size
        self.content_type = content_type
        self.sha256 = sha256
        self.uploader_name = uploader_name
        self.uploader_email = uploader_email
        self.scan_state = scan_state
        self.scan_signature: str | None = None
        self.review_state = ReviewState.PENDING.value
        self.review_comment: str | None = None
        self.reviewer_id: UUID | None = None
        self.deleted = False
        self.removal_key_hash = removal_key_hash

    # Virus scanning ------------------------------------------------------------------

    @property
    def awaits_scan(self) -> bool:
        return self.scan_state in (ScanState.PENDING, ScanState.FAILED) and not self.deleted

    def refuse_unless_scanned(self) -> None:
        """Raise unless the file may be handed out (found clean, or received unscanned)."""
        if self.scan_state == ScanState.INFECTED:
            raise FileInfected(
                f"The file contains malware ({self.scan_signature}); it is quarantined."
            )
        if self.scan_state in (ScanState.PENDING, ScanState.FAILED):
            raise FileNotScanned("The file has not been checked for viruses yet; try again later.")

    def found_clean(self) -> bool:
        if not self.awaits_scan:
            return False
        self._found_clean(customer_id=self.customer_id)
        return True

    @event(FileFoundClean)
    def _found_clean(self, customer_id: UUID) -> None:
        self.scan_state = ScanState.CLEAN.value

    def quarantine(self, signature: str) -> bool:
        if not self.awaits_scan:
            return False
        self._quarantined(customer_id=self.customer_id, signature=signature[:200])
        return True

    @event(FileQuarantined)
    def _quarantined(self, customer_id: UUID, signature: str) -> None:
        self.scan_state = ScanState.INFECTED.value
        self.scan_signature = signature

    def scan_failed(self, reason: str) -> bool:
        """Record the first failure only: retries that fail again change nothing."""
        if self.scan_state != ScanState.PENDING or self.deleted:
            return False
        self._scan_failed(customer_id=self.customer_id, reason=reason[:SCAN_REASON_MAX_LENGTH])
        return True

    @event(FileScanFailed)
    def _scan_failed(self, customer_id: UUID, reason: str) -> None:
        self.scan_state = ScanState.FAILED.value

    def review(self, state: ReviewState, comment: object, actor_id: UUID) -> None:
        text = text_value(comment, "comment", max_length=REVIEW_COMMENT_MAX_LENGTH, multiline=True)
        if state is ReviewState.QUERY and not text:
            raise InvalidValue.single(
                "comment",
                problem("query_needs_comment", "a query needs a comment for the follow-up"),
            )
        self._reviewed(
            customer_id=self.customer_id, state=state.value, comment=text or None, actor_id=actor_id
        )

    @event(FileReviewed)
    def _reviewed(self, customer_id: UUID, state: str, comment: str | None, actor_id: UUID) -> None:
        self.review_state = state
        self.review_comment = comment
        self.reviewer_id = actor_id

    def delete(self, actor_id: UUID) -> bool:
        if self.deleted:
            return False
        self._deleted(
            customer_id=self.customer_id,
            actor_id=actor_id,
            reason=DeletionReason.BY_STAFF.value,
        )
        return True

    def expire(self) -> bool:
        """The organisation's retention period for the file ended: delete it (no actor)."""
        if self.deleted:
            return False
        self._deleted(
            customer_id=self.customer_id, actor_id=None, reason=DeletionReason.RETENTION.value
        )
        return True

    def take_back(self, removal_key: str, now: datetime) -> None:
        """The client who sent the file removes it (a mistake): only with the secret their
        page was given for it, and only within `REMOVAL_WINDOW` of its arrival."""
        if self.deleted:
            raise FileGone("This file was removed already.")
        presented = hashlib.sha256(removal_key.encode()).hexdigest()
        if self.removal_key_hash is None or not hmac.compare_digest(
            presented, self.removal_key_hash
        ):
            raise RemovalRefused("This file cannot be removed from this page.")
        if now - self.created_on > REMOVAL_WINDOW:
            minutes = int(REMOVAL_WINDOW.total_seconds() // 60)
            raise RemovalTooLate(
                f"A file can be removed only within {minutes} minutes of its upload.",
                minutes=minutes,
            )
        self._deleted(
            customer_id=self.customer_id, actor_id=None, reason=DeletionReason.BY_CLIENT.value
        )

    @event(FileDeleted)
    def _deleted(self, customer_id: UUID, actor_id: UUID | None, reason: str) -> None:
        self.deleted = True
