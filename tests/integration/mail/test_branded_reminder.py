"""The organisation's branding in a reminder, as a message and as the outbox keeps it: the
sender name before the service's address, the organisation's reply address, the accent
colour and the logo inside the HTML part, one MIME-Version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path

from application.mail_branding import MailBranding
from application.reminder_mail import ReminderMail, reminder_message
from infrastructure.mail import OutboxMailer
from tests.support.images import png_logo

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def reminder(branding: MailBranding | None) -> ReminderMail:
    return ReminderMail(
        to="juergen@example.com",
        language="de",
        organization_name="Steuerbüro Köhler & Partner",
        customer_name="Jürgen Weiß",
        link_url="https://docs.example.com/u/AbC",
        link_title=None,
        due_at=NOW + timedelta(days=2),
        missing=["Lohnsteuerbescheinigung"],
        reply_to=None,
        branding=branding,
    )


def test_a_branded_reminder_through_the_outbox(tmp_path: Path) -> None:
    logo = png_logo(200, 100)
    branding = MailBranding(
        organization_name="Steuerbüro Köhler & Partner",
        sender_name='Köhler "Steuern" – Büro',
        reply_to="buero@koehler.example",
        accent_color="#7a1f3d",
        logo=logo,
        logo_width=200,
        logo_height=100,
    )
    message = reminder_message(reminder(branding), now=NOW, message_id="<r-1@docs.example.com>")
    OutboxMailer(tmp_path, "docintake <no-reply@docs.example.com>").send(message)
    [kept] = list(tmp_path.glob("*.eml"))
    raw = kept.read_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parseaddr(str(parsed["From"])) == (
        'Köhler "Steuern" – Büro',
        "no-reply@docs.example.com",
    )
    assert parsed["Reply-To"] == "buero@koehler.example"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert b"X-Docintake-Sender-Name" not in raw
    assert raw.count(b"MIME-Version") == 1
    html = parsed.get_body(preferencelist=("html",))
    assert html is not None
    text = str(html.get_content())  # type: ignore[attr-defined]
    assert 'src="cid:logo@docintake" alt="Steuerbüro Köhler &amp; Partner" width="128"' in text
    assert "border-top:4px solid #7a1f3d" in text and 'style="color:#7a1f3d"' in text
    [image] = [p for p in parsed.walk() if p.get("Content-ID") == "<logo@docintake>"]
    assert image.get_content_type() == "image/png"
    assert image.get_payload(decode=True) == logo


def test_an_unbranded_reminder_names_the_service_as_before(tmp_path: Path) -> None:
    message = reminder_message(reminder(None), now=NOW, message_id="<r-2@docs.example.com>")
    OutboxMailer(tmp_path, "docintake <no-reply@docs.example.com>").send(message)
    [kept] = list(tmp_path.glob("*.eml"))
    parsed = BytesParser(policy=policy.default).parsebytes(kept.read_bytes())
    assert parseaddr(str(parsed["From"])) == ("docintake", "no-reply@docs.example.com")
    assert "Reply-To" not in parsed
