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
    received_files: list[dict[str, Any]]
    sent_files: list[dict[str, Any]]
    active_links: list[dict[str, Any]]
    recent_files: list[dict[str, Any]]


class CustomerPage(msgspec.Struct):
    items: list[CustomerSummary]
    next_cursor: str | None
    total: int


class StatusCounts(msgspec.Struct):
    open: int
    partial: int
    complete: int
    all: int


class HistoryEvent(msgspec.Struct):
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
