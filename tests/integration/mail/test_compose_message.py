"""compose_message: structure, headers, and text surviving a round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest

from application.mail_message import compose_message

SUBJECT = "Bitte prüfen: Unterlagen für Ihre Steuererklärung (Größe ≤ 5 MB)"
TEXT = 'Sehr geehrte Frau Müller,\nbitte laden Sie <Belege> & "Quittungen" hoch. Grüße, ß'
HTML = (
    '<p>Sehr geehrte Frau Müller,</p><p>bitte laden Sie &lt;Belege&gt; &amp; "Quittungen" hoch.</p>'
)


def _compose(**overrides: object) -> EmailMessage:
    arguments: dict[str, object] = {
        "to": "Jürgen Weiß <juergen.weiss@example.com>",
        "subject": SUBJECT,
        "text": TEXT,
        "html": HTML,
        "message_id_domain": "docintake.example",
        "auto_submitted": True,
    }
    arguments.update(overrides)
    return compose_message(**arguments)  # type: ignore[arg-type]


def _round_trip(message: EmailMessage) -> EmailMessage:
    parsed = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(message.as_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_multipart_alternative_with_text_first() -> None:
    message = _compose()

    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert all(part["MIME-Version"] is None for part in message.iter_parts())


def test_umlauts_survive_in_subject_recipient_and_bodies() -> None:
    parsed = _round_trip(_compose())

    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == "Jürgen Weiß <juergen.weiss@example.com>"
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content_charset() == "utf-8"
    assert plain.get_content() == TEXT + "\n"
    assert html.get_content() == HTML + "\n"


def test_encoded_for_7bit_transport() -> None:
    raw = _compose().as_bytes()

    # Any SMTP server can carry it, even without 8BITMIME or SMTPUTF8.
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.splitlines())


def test_bodies_are_not_escaped_again() -> None:
    parsed = _round_trip(_compose())
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None

    assert '<Belege> & "Quittungen"' in plain.get_content()
    assert "&lt;Belege&gt; &amp;" in html.get_content()
    assert "&amp;lt;" not in html.get_content()


def test_long_html_lines_are_wrapped_and_restored() -> None:
    html = "<p>" + "Unterlage " * 300 + "</p>"

    parsed = _round_trip(_compose(html=html))

    part = parsed.get_body(("html",))
    assert part is not None
    assert part.get_content() == html + "\n"


def test_message_id_date_and_auto_submitted() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    message = _compose()

    assert message["Message-ID"].startswith("<")
    assert message["Message-ID"].endswith("@docintake.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    sent_at = parsedate_to_datetime(message["Date"])
    assert before <= sent_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert message["From"] is None  # the mailer sets it


def test_message_ids_are_unique() -> None:
    assert _compose()["Message-ID"] != _compose()["Message-ID"]


def test_no_auto_submitted_header_for_personal_mail() -> None:
    message = _compose(auto_submitted=False)

    assert message["Auto-Submitted"] is None
    assert message["X-Auto-Response-Suppress"] is None


def test_extra_headers() -> None:
    message = _compose(
        headers={"Reply-To": "Kanzlei Öz <kanzlei@oez.example>", "X-Docintake-Link": "abc123"}
    )

    parsed = _round_trip(message)
    assert parsed["Reply-To"] == "Kanzlei Öz <kanzlei@oez.example>"
    assert parsed["X-Docintake-Link"] == "abc123"


@pytest.mark.parametrize("name", ["Subject", "message-id", "Content-Type"])
def test_extra_headers_cannot_replace_the_composers_own(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        _compose(headers={name: "x"})


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Hallo\r\nBcc: victim@example.com"},
        {"to": "a@example.com\nBcc: victim@example.com"},
        {"headers": {"Reply-To": "a@example.com\r\nBcc: victim@example.com"}},
    ],
)
def test_header_injection_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _compose(**overrides)
