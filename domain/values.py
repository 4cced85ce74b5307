"""Value objects: they validate once, at the edge of the domain."""

from __future__ import annotations

import re
from enum import StrEnum

from domain.errors import InvalidValue

NAME_MAX_LENGTH = 200
COMPANY_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254
NOTE_MAX_LENGTH = 10_000
ORGANIZATION_NAME_MAX_LENGTH = 200

# Deliberately pragmatic: one "@", a dot in the domain, no spaces or control
# characters. Full RFC 5322 acceptance would admit addresses no mail server takes.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f.]{2,}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CustomerStatus(StrEnum):
    """Where a customer's document collection stands."""

    OPEN = "open"
    PARTIAL = "partial"
    COMPLETE = "complete"

    @classmethod
    def parse(cls, value: object, field: str = "status") -> CustomerStatus:
        try:
            return cls(str(value))
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise InvalidValue.single(field, f"must be one of {allowed}") from None


class StatusChangeReason(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"


class Plan(StrEnum):
    """The organisation's plan; it caps the number of customers."""

    SOLO = "solo"
    PRO = "pro"
    TEAM = "team"

    @property
    def customer_limit(self) -> int | None:
        return {Plan.SOLO: 10, Plan.PRO: 50, Plan.TEAM: None}[self]

    @classmethod
    def parse(cls, value: object, field: str = "plan") -> Plan:
        try:
            return cls(str(value))
        except ValueError:
            raise InvalidValue.single(field, "must be one of solo, pro, team") from None


def _text(value: object, field: str, *, max_length: int, required: bool) -> str | None:
    if value is None:
        if required:
            raise InvalidValue.single(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidValue.single(field, "must be a string")
    text = value.strip()
    if not text:
        if required:
            raise InvalidValue.single(field, "must not be empty")
        return None
    if len(text) > max_length:
        raise InvalidValue.single(field, f"must be at most {max_length} characters")
    if _CONTROL.search(text):
        raise InvalidValue.single(field, "must not contain control characters")
    return text


def customer_name(value: object, field: str = "name") -> str:
    """A customer's name: 1..200 characters after trimming."""
    name = _text(value, field, max_length=NAME_MAX_LENGTH, required=True)
    assert name is not None
    return name


def company_name(value: object, field: str = "company") -> str | None:
    """An optional company name; blank means none."""
    return _text(value, field, max_length=COMPANY_MAX_LENGTH, required=False)


def email_address(value: object, field: str = "email", *, required: bool = False) -> str | None:
    """An e-mail address, trimmed, domain part lower-cased; blank means none."""
    text = _text(value, field, max_length=EMAIL_MAX_LENGTH, required=required)
    if text is None:
        return None
    if not _EMAIL.match(text):
        raise InvalidValue.single(field, "is not a valid e-mail address")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def note_text(value: object, field: str = "text") -> str:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and len(text) > NOTE_MAX_LENGTH:
        raise InvalidValue.single(field, f"must be at most {NOTE_MAX_LENGTH} characters")
    if isinstance(text, str):
        # Notes are multi-line: newlines and tabs are fine, other controls are not.
        if _CONTROL.search(text):
            raise InvalidValue.single(field, "must not contain control characters")
        if not text:
            raise InvalidValue.single(field, "must not be empty")
        return text
    if value is None:
        raise InvalidValue.single(field, "is required")
    raise InvalidValue.single(field, "must be a string")


def organization_name(value: object, field: str = "organization_name") -> str:
    name = _text(value, field, max_length=ORGANIZATION_NAME_MAX_LENGTH, required=True)
    assert name is not None
    return name


def person_name(value: object, field: str = "name") -> str | None:
    return _text(value, field, max_length=NAME_MAX_LENGTH, required=False)
