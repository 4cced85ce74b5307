"""Request and response bodies of the organisation, team, token and session endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

import msgspec
from msgspec import UNSET, UnsetType

from application.api_tokens import TOKEN_NAME_MAX_LENGTH
from domain.retention import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS
from domain.values import NAME_MAX_LENGTH, ORGANIZATION_NAME_MAX_LENGTH
from interfaces.http import documented
from interfaces.http.schemas import (
    Email,
    MostReminders,
    Password,
    RepeatDays,
    ScheduleDays,
)

Role = Annotated[str, documented.one_of("owner", "admin", "member", "viewer")]


class Permissions(msgspec.Struct):
    members_can_delete_customers: bool
    members_can_send_links: bool
    members_can_review_files: bool
    members_can_manage_links: bool


RetentionDays = Annotated[int, documented.between(RETENTION_MIN_DAYS, RETENTION_MAX_DAYS)]


class Retention(msgspec.Struct):
    """How long received files are kept; null: kept until deleted by hand."""

    # Files of a customer go this many days after it was set complete (set back: kept).
    delete_after_complete_days: int | None = None
    # Files of a link go this many days after the link expired.
    delete_after_link_expiry_days: int | None = None


class RetentionRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Any of the periods: whole days from 1 to 3650, or null for off."""

    delete_after_complete_days: RetentionDays | UnsetType | None = UNSET
    delete_after_link_expiry_days: RetentionDays | UnsetType | None = UNSET


class Organization(msgspec.Struct):
    id: str
    name: str
    plan: str
    customer_count: int
    customer_limit: int | None
    permissions: Permissions
    # The language of the organisation's mails to clients and to its team: de or en.
    language: str = "de"
    # The zone every time people read is shown in (pages, mails, history); the API keeps UTC.
    time_zone: str = "Europe/Berlin"
    # The schedule links are reminded by unless they have their own.
    reminder_schedule: OrganizationReminders | None = None
    # How long received files are kept.
    retention: Retention = msgspec.field(default_factory=Retention)


class OrganizationReminders(msgspec.Struct):
    """The organisation's reminder schedule; `enabled` false: no automatic reminders for
    links without a schedule of their own. Sent weekdays 8-18 in `time_zone`."""

    enabled: bool
    days_before: list[int]
    every_days_after: int
    max_count: int


class OrganizationRemindersRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Any part of the organisation's schedule; what is left out stays as it is."""

    enabled: bool | UnsetType = UNSET
    days_before: ScheduleDays | UnsetType = UNSET
    every_days_after: RepeatDays | UnsetType = UNSET
    max_count: MostReminders | UnsetType = UNSET

    def plain(self) -> dict[str, object]:
        return {
            name: value
            for name in ("enabled", "days_before", "every_days_after", "max_count")
            if (value := getattr(self, name)) is not UNSET
        }


TIME_ZONES = sorted(available_timezones())


class ChangeOrganizationRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, documented.text(ORGANIZATION_NAME_MAX_LENGTH)] | UnsetType = UNSET
    plan: Annotated[str, documented.one_of("solo", "pro", "team")] | UnsetType = UNSET
    # Any subset of the switches (the document lists them); unknown names are refused
    # by the application, each named in `fields`.
    permissions: dict[str, bool] | UnsetType = UNSET
    language: Annotated[str, documented.one_of("de", "en")] | UnsetType = UNSET
    # An IANA name the machine knows (`Europe/Berlin`).
    time_zone: Annotated[str, documented.one_of(*TIME_ZONES)] | UnsetType = UNSET
    # The reminder schedule links follow (any part of it).
    reminder_schedule: OrganizationRemindersRequest | UnsetType = UNSET
    # How long received files are kept: any of the two periods.
    retention: RetentionRequest | UnsetType = UNSET


class InvitationRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    role: Role


class Invitation(msgspec.Struct):
    id: str
    email: str
    role: str
    expires_at: datetime


class InvitationList(msgspec.Struct):
    items: list[Invitation]


class AcceptInvitationRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, documented.text(NAME_MAX_LENGTH)]
    password: Password


class Joined(msgspec.Struct):
    user_id: str
    token: str


class Member(msgspec.Struct):
    user_id: str
    email: str
    name: str | None
    role: str
    joined_at: datetime


class MemberList(msgspec.Struct):
    items: list[Member]


class RoleRequest(msgspec.Struct, forbid_unknown_fields=True):
    role: Role


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, documented.text(TOKEN_NAME_MAX_LENGTH)]


class IssuedToken(msgspec.Struct):
    id: str
    name: str
    token: str
    created_at: datetime


class Token(msgspec.Struct):
    id: str
    name: str
    created_at: datetime


class TokenList(msgspec.Struct):
    items: list[Token]


class SessionRequest(msgspec.Struct):
    email: str
    password: str


class Session(msgspec.Struct):
    """The signed-in member; `csrf_token` goes with every unsafe request of this session."""

    user_id: str
    organization_id: str
    role: str
    csrf_token: str
