"""Request and response bodies of the JSON API (msgspec Structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType


class SignupRequest(msgspec.Struct, forbid_unknown_fields=True):
    organization_name: str
    email: str
    password: str
    plan: str = "solo"
    # Extra to the contract: the owner's name, shown in activity histories.
    name: str | None = None


class SignupResponse(msgspec.Struct):
    organization_id: str
    user_id: str
    token: str


class TokenRequest(msgspec.Struct):
    email: str
    password: str


class TokenResponse(msgspec.Struct):
    token: str


class CreateCustomerRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    email: str | None = None
    company: str | None = None


class ChangeCustomerRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    email: str | UnsetType | None = UNSET
    company: str | UnsetType | None = UNSET


class StatusRequest(msgspec.Struct, forbid_unknown_fields=True):
    status: str


class NoteRequest(msgspec.Struct, forbid_unknown_fields=True):
    text: str


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


class Note(msgspec.Struct):
    id: str
    text: str
    author_id: str | None
    created_at: datetime


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


class LinkList(msgspec.Struct):
    items: list[Link]


class CreateLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    title: str | None = None
    message: str | None = None
    expires_at: datetime | None = None
    max_file_size: int | None = None
    max_files: int | None = None
    allowed_types: list[str] | None = None
    password: str | None = None
    requested_items: list[Any] | None = None


class SendLinkRequest(msgspec.Struct, forbid_unknown_fields=True):
    to: str | None = None
    message: str | None = None


class Review(msgspec.Struct):
    state: str
    comment: str | None
    reviewer_id: str | None
    reviewed_at: datetime | None


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


class FileList(msgspec.Struct):
    items: list[File]


class ReviewRequest(msgspec.Struct, forbid_unknown_fields=True):
    state: str
    comment: str | None = None


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
