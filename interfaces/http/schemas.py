"""Request and response bodies of the JSON API (msgspec Structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from application.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from application.upload_links import (
    LINK_PASSWORD_MAX_LENGTH,
    MAX_FILES_CEILING,
)
from domain.received_file import REVIEW_COMMENT_MAX_LENGTH
from domain.reminders import MAX_DAYS, MAX_REMINDERS_CEILING
from domain.upload_link import (
    ITEM_LABEL_MAX_LENGTH,
    MAX_ALLOWED_TYPES,
    MAX_REQUESTED_ITEMS,
    MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from domain.values import (
    COMPANY_MAX_LENGTH,
    CUSTOMER_NUMBER_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    ORGANIZATION_NAME_MAX_LENGTH,
)
from interfaces.http import documented

Password = Annotated[str, documented.length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)]
Email = Annotated[str, documented.email()]


class SignupRequest(msgspec.Struct, forbid_unknown_fields=True):
    organization_name: Annotated[str, documented.text(ORGANIZATION_NAME_MAX_LENGTH)]
    email: Email
    password: Password
    plan: Annotated[str, documented.one_of("solo", "pro", "team")] = "solo"
    # Extra to the contract: the owner's name, shown in activity histories.
    name: Annotated[str, documented.text(NAME_MAX_LENGTH, required=False)] | None = None


class SignupResponse(msgspec.Struct):
    organization_id: str
    user_id: str
    token: str


class CredentialsRequest(msgspec.Struct):
    email: str
    password: str


class TokenResponse(msgspec.Struct):
    token: str


CustomerName = Annotated[str, documented.text(NAME_MAX_LENGTH)]
Company = Annotated[str, documented.text(COMPANY_MAX_LENGTH, required=False)]
OptionalEmail = Annotated[str, documented.email()]
# The office's own number for the customer ("Mandantennummer"), kept as typed.
CustomerNumber = Annotated[str, documented.text(CUSTOMER_NUMBER_MAX_LENGTH, required=False)]


class CreateCustomerRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: CustomerName
    email: OptionalEmail | None = None
    company: Company | None = None
    customer_number: CustomerNumber | None = None


class ChangeCustomerRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: CustomerName | UnsetType = UNSET
    email: OptionalEmail | UnsetType | None = UNSET
    company: Company | UnsetType | None = UNSET
    customer_number: CustomerNumber | UnsetType | None = UNSET


class StatusRequest(msgspec.Struct, forbid_unknown_fields=True):
    status: Annotated[str, documented.one_of("open", "partial", "complete")]


class NoteRequest(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, documented.text(NOTE_MAX_LENGTH, multiline=True)]


class CustomerSummary(msgspec.Struct):
    id: str
    name: str
    email: str | None
    company: str | None
    status: str
    link_count: int
    file_count: int
    last_upload_at: datetime | None
    created_at: datetime
    # An active link of the customer is past its `due_at` with documents missing ("überfällig").
    overdue: bool = False
    customer_number: str | None = None


class Note(msgspec.Struct):
    id: str
    text: str
    author_id: str | None
    created_at: datetime
    # When the note's words were last changed (null: never).
    edited_at: datetime | None = None


class CustomerDetail(msgspec.Struct):
    id: str
    name: str
    email: str | None
    company: str | None
    status: str
    link_count: int
    file_count: int
    last_upload_at: datetime | None
    created_at: datetime
    updated_at: datetime
    notes: list[Note]
    received_files: list[File]
    sent_files: list[SentFile]
    active_links: list[Link]
    recent_files: list[File]
    overdue: bool = False
    customer_number: str | None = None


class CustomerPage(msgspec.Struct):
    items: list[CustomerSummary]
    next_cursor: str | None
    # Matches counted up to 1,000; with more, `total` is 1000 and `total_capped` true.
    total: int
    total_capped: bool


class StatusCounts(msgspec.Struct):
    open: int
    partial: int
    complete: int
    all: int


class HistoryEvent(msgspec.Struct):
    # A customer's history holds its links' and files' events too: `version` is
    # the version of the aggregate named here.
    aggregate_type: str
    aggregate_id: str
    version: int
    type: str
    timestamp: datetime
    actor_id: str | None
    data: dict[str, Any]


class CustomerHistory(msgspec.Struct, omit_defaults=True):
    customer_id: str
    events: list[HistoryEvent]
    state: dict[str, Any] | None = None


class Health(msgspec.Struct):
    status: str
    problems: dict[str, str] | UnsetType = UNSET


class RequestedItem(msgspec.Struct):
    id: str
    label: str
    received: bool
    # missing | received | checked | query (the latest review of the document's files).
    state: str = "missing"
    # The open follow-up question (state `query`), else null.
    question: str | None = None
    # What the client is told about it (copied from a template, or given).
    hint: str | None = None


class ReminderScheduleShape(msgspec.Struct):
    """Days before the due date, the repeat after it (days, 0: none), the most reminders."""

    days_before: list[int]
    every_days_after: int
    max_count: int


ScheduleDays = Annotated[
    list[Annotated[int, documented.between(1, MAX_DAYS)]],
    documented.items(MAX_REMINDERS_CEILING),
]
RepeatDays = Annotated[int, documented.between(0, MAX_DAYS)]
MostReminders = Annotated[int, documented.between(1, MAX_REMINDERS_CEILING)]


class ReminderScheduleRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A schedule: days before the due date (1..365 each), the repeat after it in days
    (0: none) and the most reminders (1..20); a part left out keeps its default
    (7 and 2 days before, every 3 days after, at most 5)."""

    days_before: ScheduleDays | UnsetType = UNSET
    every_days_after: RepeatDays | UnsetType = UNSET
    max_count: MostReminders | UnsetType = UNSET

    def plain(self) -> dict[str, object]:
        return {
            name: value
            for name in ("days_before", "every_days_after", "max_count")
            if (value := getattr(self, name)) is not UNSET
        }


class LinkReminders(msgspec.Struct):
    """Automatic reminders of a link: sent on weekdays 8-18 in the organisation's time zone
    while documents are missing; `next_at` is when the next one goes out (null: none)."""

    enabled: bool
    # The schedule in force: the link's own, else the organisation's.
    schedule: ReminderScheduleShape
    sent_count: int
    next_at: datetime | None
    # True when the link has a schedule of its own (staff set it on this link).
    own_schedule: bool = False


class Link(msgspec.Struct):
    id: str
    customer_id: str
    url: str
    title: str | None
    message: str | None
    status: str
    locked: bool
    expires_at: datetime
    max_file_size: int
    max_files: int | None
    allowed_types: list[str]
    password_protected: bool
    requested_items: list[RequestedItem]
    upload_count: int
    created_at: datetime
    last_sent_at: datetime | None = None
    send_failure: str | None = None
    # The date by which the client should have sent everything (the expiry stays the end).
    due_at: datetime | None = None
    reminders: LinkReminders | None = None
    # The template its requested documents were copied from (null: typed by hand).
    template_id: str | None = None


class LinkList(msgspec.Struct):
    items: list[Link]


LinkMessage = Annotated[str, documented.text(MESSAGE_MAX_LENGTH, required=False, multiline=True)]
ItemLabel = Annotated[str, documented.text(ITEM_LABEL_MAX_LENGTH)]


class RequestedItemRequest(msgspec.Struct, forbid_unknown_fields=True):
    label: ItemLabel
    hint: Annotated[str, documented.text(500, required=False)] | None = None


class CreateLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, documented.text(TITLE_MAX_LENGTH, required=False)] | None = None
    message: LinkMessage | None = None
    # In the future and within a year (366 days) from now.
    expires_at: datetime | None = None
    # At most the deployment's DOCINTAKE_MAX_UPLOAD_SIZE (the document states it).
    max_file_size: Annotated[int, documented.between(1, 104_857_600)] | None = None
    max_files: Annotated[int, documented.between(1, MAX_FILES_CEILING)] | None = None
    allowed_types: (
        Annotated[
            list[
                Annotated[
                    str,
                    msgspec.Meta(extra_json_schema={"extra": {"pattern": documented.MIME_TYPE}}),
                ]
            ],
            documented.items(MAX_ALLOWED_TYPES),
        ]
        | None
    ) = None
    # Empty means none; else 6..200 characters.
    password: Annotated[str, documented.length(0, LINK_PASSWORD_MAX_LENGTH)] | None = None
    # Labels, or objects with a label; unique regardless of case.
    requested_items: (
        Annotated[list[ItemLabel | RequestedItemRequest], documented.items(MAX_REQUESTED_ITEMS)]
        | None
    ) = None
    # In the future and not after `expires_at`; default none.
    due_at: datetime | None = None
    # Automatic reminders before and after `due_at` (default on).
    reminders: RemindersRequest | None = None
    # Copy the requested documents from this template unless `requested_items` is given.
    template_id: UUID | None = None


class RemindersRequest(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool = True


class SwitchRemindersRequest(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool


class LinkExpiryRequest(msgspec.Struct, forbid_unknown_fields=True):
    # In the future and within a year (366 days) from now; to extend: later than the
    # link's current expiry; to reactivate: not before its due date.
    expires_at: datetime


class LinkRemindersChange(msgspec.Struct, forbid_unknown_fields=True):
    # Automatic reminders for this link on or off.
    enabled: bool | UnsetType = UNSET
    # The link's own schedule; null: the organisation's again.
    schedule: ReminderScheduleRequest | UnsetType | None = UNSET


class ChangeLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Any part: a new due date (in the future, not after `expires_at`; null clears it; the
    reminders follow the new date), reminders on or off, the link's own schedule."""

    due_at: datetime | UnsetType | None = UNSET
    reminders: LinkRemindersChange | UnsetType = UNSET


class SendLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    to: OptionalEmail | None = None
    message: LinkMessage | None = None


class Review(msgspec.Struct):
    state: str
    comment: str | None
    reviewer_id: str | None
    reviewed_at: datetime | None


class FileScan(msgspec.Struct):
    """The virus scan: `pending`, `clean`, `infected` (with the signature's name),
    `failed` (retried) or `skipped` (received while scanning was off)."""

    state: Annotated[str, documented.one_of("pending", "clean", "infected", "failed", "skipped")]
    signature: str | None


class File(msgspec.Struct):
    id: str
    customer_id: str
    link_id: str
    item_id: str | None
    filename: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: datetime
    uploader_name: str | None
    review: Review
    scan: FileScan
    # When the organisation's retention will delete the file (null: no period applies).
    deletes_at: datetime | None = None


class FileList(msgspec.Struct):
    items: list[File]


class ReviewRequest(msgspec.Struct, forbid_unknown_fields=True):
    state: Annotated[str, documented.one_of("pending", "checked", "query")]
    # With `query`: mail the client the link's open questions now (staff sending).
    notify_client: bool = False
    # Required (not blank) with `query`: the document says so with if/then.
    comment: (
        Annotated[str, documented.text(REVIEW_COMMENT_MAX_LENGTH, required=False, multiline=True)]
        | None
    ) = None


class SentFile(msgspec.Struct):
    id: str
    filename: str
    size: int
    download_url: str
    expires_at: datetime
    downloaded_at: datetime | None


class SentFileList(msgspec.Struct):
    items: list[SentFile]


class UploadedFile(msgspec.Struct):
    id: str
    filename: str
    size: int
    sha256: str
    # The secret with which this page may take the file back until `removable_until`
    # (`POST /u/{token}/files/{id}/remove`); shown once, only its hash is kept.
    removal_key: str | None = None
    removable_until: datetime | None = None


class RemoveFileRequest(msgspec.Struct, forbid_unknown_fields=True):
    removal_key: Annotated[str, documented.length(1, 200)]


class UploadResult(msgspec.Struct):
    files: list[UploadedFile]


class ActivityItem(msgspec.Struct):
    at: datetime
    type: str
    actor_id: str | None
    actor_name: str | None  # the member's name (or e-mail), also at the end of `summary`
    summary: str
    data: dict[str, Any]


class ActivityPage(msgspec.Struct):
    items: list[ActivityItem]
    next_cursor: str | None
