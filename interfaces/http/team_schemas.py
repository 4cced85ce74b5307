"""Request and response bodies of the organisation, team, token and session endpoints."""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec import UNSET, UnsetType


class Permissions(msgspec.Struct):
    members_can_delete_customers: bool
    members_can_send_links: bool
    members_can_review_files: bool
    members_can_manage_links: bool


class Organization(msgspec.Struct):
    id: str
    name: str
    plan: str
    customer_count: int
    customer_limit: int | None
    permissions: Permissions
    # The language of the organisation's mails to clients and to its team: de or en.
    language: str = "de"


class ChangeOrganizationRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    plan: str | UnsetType = UNSET
    # Any subset of the switches; unknown names are refused by the application.
    permissions: dict[str, bool] | UnsetType = UNSET
    language: str | UnsetType = UNSET


class InvitationRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: str


class Invitation(msgspec.Struct):
    id: str
    email: str
    role: str
    expires_at: datetime


class AcceptInvitationRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    password: str


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
    role: str


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str


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
