"""Files clients uploaded for a customer, and the staff's review of each."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidValue, problem
from domain.values import text_value

REVIEW_COMMENT_MAX_LENGTH = 2_000


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

    class FileReviewed(Aggregate.Event):
        customer_id: UUID
        state: str
        comment: str | None
        actor_id: UUID

    class FileDeleted(Aggregate.Event):
        customer_id: UUID
        actor_id: UUID

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
        self.review_state = ReviewState.PENDING.value
        self.review_comment: str | None = None
        self.reviewer_id: UUID | None = None
        self.deleted = False

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
        self._deleted(customer_id=self.customer_id, actor_id=actor_id)
        return True

    @event(FileDeleted)
    def _deleted(self, customer_id: UUID, actor_id: UUID) -> None:
        self.deleted = True
