"""The invitation e-mail: German, plain text and HTML, naming the organisation and who invites."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from email.message import EmailMessage
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from application.mail_message import compose_message
from domain.organization import Role

ROLE_NAMES_DE = {
    Role.OWNER: "Inhaber/in",
    Role.ADMIN: "Administrator/in",
    Role.MEMBER: "Mitarbeiter/in",
    Role.VIEWER: "Lesezugriff",
}


def _german_time() -> tzinfo:
    # Dates in the mail are for people in Germany; the stored time stays UTC. Without a
    # time-zone database the mail says UTC rather than failing.
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:
        return UTC


_BERLIN = _german_time()


def invitation_message(
    *,
    to: str,
    organization_name: str,
    inviter_name: str,
    role: Role,
    accept_url: str,
    expires_at: datetime,
) -> EmailMessage:
    """The message inviting `to` into the organisation's team (the URL carries the token)."""
    until = expires_at.astimezone(_BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")
    role_name = ROLE_NAMES_DE[role]
    subject = f"Einladung in das Team von {organization_name}"
    text = (
        "Guten Tag,\n\n"
        f"{inviter_name} lädt Sie in das Team von „{organization_name}“ bei docintake ein "
        f"(Rolle: {role_name}).\n\n"
        "Einladung annehmen und Zugang einrichten:\n"
        f"{accept_url}\n\n"
        f"Der Link gilt bis {until} und nur einmal. Wenn Sie diese Einladung nicht erwartet "
        "haben, können Sie die E-Mail einfach löschen.\n"
    )
    html = (
        '<!doctype html><html lang="de"><body>'
        "<p>Guten Tag,</p>"
        f"<p>{escape(inviter_name)} lädt Sie in das Team von "
        f"„<strong>{escape(organization_name)}</strong>“ bei docintake ein "
        f"(Rolle: {escape(role_name)}).</p>"
        f'<p><a href="{escape(accept_url, quote=True)}">Einladung annehmen und Zugang '
        "einrichten</a></p>"
        f"<p>Der Link gilt bis {escape(until)} und nur einmal. Wenn Sie diese Einladung nicht "
        "erwartet haben, können Sie die E-Mail einfach löschen.</p>"
        "</body></html>"
    )
    message = compose_message(
        to=to,
        subject=subject,
        text=text,
        html=html,
        message_id_domain=urlsplit(accept_url).hostname or "docintake.localhost",
        auto_submitted=True,
    )
    # Set afterwards: compose_message builds the body last, which drops Content-* headers.
    message["Content-Language"] = "de"
    return message
