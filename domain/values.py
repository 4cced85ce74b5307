"""Value objects: they validate once, at the edge of the domain."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidValue, problem

NAME_MAX_LENGTH = 200
COMPANY_MAX_LENGTH = 200
CUSTOMER_NUMBER_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254
NOTE_MAX_LENGTH = 10_000
ORGANIZATION_NAME_MAX_LENGTH = 200

# Line breaks a multi-line field keeps; a browser's textarea sends CRLF, which is
# stored as LF (and a lone CR too), so CR itself never reaches storage.
_MULTILINE_KEEPS = frozenset("\t\n")
# Bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): they turn what
# follows around ("Rechnung\u202efdp.exe") in mail subjects, sender lines and pages. Line
# and paragraph separators (U+2028, U+2029) are line breaks to mail programs and browsers.
_BIDI_CONTROLS = frozenset(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))
_LINE_SEPARATORS = frozenset("\u2028\u2029")


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


def text_value(
    value: object,
    field: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """The one check of every free-text field: trimmed, bounded, no control characters.

    A single-line field (a name, a title, a label) refuses every control character,
    tab and line breaks (U+2028, U+2029 too) included: they end up in mail subjects, file
    names and table cells. A multi-line field (a note, a message, a review comment) keeps
    tab and line feed; CRLF and lone CR become LF. Bidi overrides, embeddings and isolates
    are refused everywhere (they reverse what a subject or list shows). Stored in NFC.
    Blank is "none" (or refused when `required`).
    """
    if value is None:
        if required:
            raise InvalidValue.single(field, problem("required", "is required"))
        return None
    if not isinstance(value, str):
        raise InvalidValue.single(field, problem("not_text", "must be a string"))
    text = value.replace("\r\n", "\n").replace("\r", "\n") if multiline else value
    # One spelling of "ü": a name pasted in decomposed form (u + U+0308, as macOS file
    # names and some PDFs carry it) is found by a typed "Müller" and sorts with it.
    text = unicodedata.normalize("NFC", text)
    text = text.strip()
    if not text:
        if required:
            raise InvalidValue.single(field, problem("required", "must not be empty"))
        return None
    if len(text) > max_length:
        raise InvalidValue.single(
            field, problem("too_long", f"must be at most {max_length} characters", limit=max_length)
        )
    allowed = _MULTILINE_KEEPS if multiline else frozenset()
    for character in text:
        category = unicodedata.category(character)
        if (
            (category == "Cc" and character not in allowed)
            or character in _BIDI_CONTROLS
            or (character in _LINE_SEPARATORS and not multiline)
        ):
            raise InvalidValue.single(
                field, problem("control_characters", "must not contain control characters")
            )
        if category == "Cs":
            raise InvalidValue.single(field, problem("not_unicode", "is not valid Unicode text"))
    return text


def customer_name(value: object, field: str = "name") -> str:
    """A customer's name: 1..200 characters after trimming."""
    name = text_value(value, field, max_length=NAME_MAX_LENGTH, required=True)
    assert name is not None
    return name


def company_name(value: object, field: str = "company") -> str | None:
    """An optional company name; blank means none."""
    return text_value(value, field, max_length=COMPANY_MAX_LENGTH, required=False)


def customer_number(value: object, field: str = "customer_number") -> str | None:
    """The office's own number for the customer ("Mandantennummer"): optional, one line,
    up to 40 characters; blank means none. Kept as typed (leading zeros, "12-345/A")."""
    return text_value(value, field, max_length=CUSTOMER_NUMBER_MAX_LENGTH, required=False)


def email_address(value: object, field: str = "email", *, required: bool = False) -> str | None:
    """An e-mail address by RFC 5321/5322 syntax (no DNS look-up), blank means none.

    Stored as `email-validator` normalises it: trimmed, the domain lower-cased (and in
    Unicode for an internationalised domain). A name with it (`Anna <a@b.de>`) and a
    local part outside ASCII are refused: the mail servers it goes through may not take them.
    """
    text = text_value(value, field, max_length=EMAIL_MAX_LENGTH, required=required)
    if text is None:
        return None
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise InvalidValue.single(
            field, problem("invalid_email", "is not a valid e-mail address")
        ) from None
    return str(checked.normalized)


def note_text(value: object, field: str = "text") -> str:
    """An internal note: multi-line, 1..10,000 characters after trimming."""
    text = text_value(value, field, max_length=NOTE_MAX_LENGTH, required=True, multiline=True)
    assert text is not None
    return text


def organization_name(value: object, field: str = "organization_name") -> str:
    name = text_value(value, field, max_length=ORGANIZATION_NAME_MAX_LENGTH, required=True)
    assert name is not None
    return name


def person_name(value: object, field: str = "name") -> str | None:
    return text_value(value, field, max_length=NAME_MAX_LENGTH, required=False)
