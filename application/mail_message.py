"""Builds the e-mail messages the application sends, with the standard library only.

Delivery is the infrastructure's job (see `application.ports.Mailer`); this
module only decides what a finished message looks like, so it can be tested
without a mail server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from email_validator import EmailNotValidError, validate_email

#: Headers the composer owns; callers passing them in `headers` would produce
#: duplicates or contradict the parts' structure.
_RESERVED_HEADERS = frozenset(
    {
        "to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "auto-submitted",
    }
)


def header_address(address: str) -> str:
    """`address` as a header can carry it: an internationalised domain in its ASCII form
    (`anna@xn--mller-kva.de`). Written as stored, the header would put an encoded word into
    the address (`anna@=?utf-8?q?m=C3=BCller?=.de`), which no mail server delivers."""
    if address.isascii():
        return address
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return address
    return checked.ascii_email or address


def compose_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id_domain: str,
    auto_submitted: bool,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A multipart/alternative message with a plain-text and an HTML body.

    `text` and `html` are used exactly as given: the HTML must already be
    escaped by its template, and the text is never HTML-escaped. Header values
    with line breaks are refused (`ValueError`) so no caller can inject
    headers. `From` is left to the mailer, which knows the sender address.

    `auto_submitted` marks mail a machine sent on its own (reminders,
    notifications): `Auto-Submitted: auto-generated` (RFC 3834) plus
    Microsoft's `X-Auto-Response-Suppress`, so vacation replies do not bounce
    back to the sender address.
    """
    message = EmailMessage()
    message["To"] = header_address(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    if auto_submitted:
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
    for name, value in (headers or {}).items():
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by compose_message itself")
        message[name] = header_address(value) if name.lower() == "reply-to" else value

    # Quoted-printable keeps mostly-Latin text readable in the raw message
    # (the stdlib would pick base64 for any non-ASCII body) and wraps long
    # HTML lines below SMTP's 998-octet limit.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # `add_alternative` copies MIME-Version into the sub-parts; it belongs on
    # the top-level message only.
    for part in message.iter_parts():
        del part["MIME-Version"]
    return message
