"""The invitation e-mail: in the organisation's language (German unless it chooses English),
plain text and HTML, naming the organisation, who invites and the role by the name the
settings page gives it; the expiry in the organisation's time zone."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from html import escape
from urllib.parse import urlsplit

from application.mail_message import compose_message
from application.texts.formats import DEFAULT_TIME_ZONE, Formats
from application.texts.words import role_name
from domain.organization import Role

_TEXTS = {
    "de": {
        "subject": "Einladung in das Team von {organization}",
        "greeting": "Guten Tag,",
        "invites": "{inviter} lädt Sie in das Team von „{organization}“ bei docintake ein"
        " (Rolle: {role}).",
        "accept": "Einladung annehmen und Zugang einrichten:",
        "accept_link": "Einladung annehmen und Zugang einrichten",
        "until": "Der Link gilt bis {date} und nur einmal. Wenn Sie diese Einladung nicht"
        " erwartet haben, können Sie die E-Mail einfach löschen.",
    },
    "en": {
        "subject": "Invitation to the team of {organization}",
        "greeting": "Hello,",
        "invites": "{inviter} invites you to the team of “{organization}” on docintake"
        " (role: {role}).",
        "accept": "Accept the invitation and set up your access:",
        "accept_link": "Accept the invitation and set up your access",
        "until": "The link is valid until {date}, once. If you did not expect this invitation,"
        " just delete this e-mail.",
    },
}


def invitation_message(
    *,
    to: str,
    organization_name: str,
    inviter_name: str,
    role: Role,
    accept_url: str,
    expires_at: datetime,
    language: str = "de",
    time_zone: str = DEFAULT_TIME_ZONE,
) -> EmailMessage:
    """The message inviting `to` into the organisation's team (the URL carries the token)."""
    lang = language if language in _TEXTS else "de"
    texts = _TEXTS[lang]
    values = {
        "organization": organization_name,
        "inviter": inviter_name,
        "role": role_name(role.value, lang),
        "date": Formats(lang, time_zone).datetime(expires_at),
    }

    def say(key: str) -> str:
        return texts[key].format(**values)

    paragraphs = [say("greeting"), say("invites"), f"{say('accept')}\n{accept_url}", say("until")]
    text = "\n\n".join(paragraphs) + "\n"
    html = (
        f'<!doctype html><html lang="{lang}"><body>'
        f"<p>{escape(say('greeting'))}</p>"
        f"<p>{escape(say('invites'))}</p>"
        f'<p><a href="{escape(accept_url, quote=True)}">{escape(say("accept_link"))}</a></p>'
        f"<p>{escape(say('until'))}</p>"
        "</body></html>"
    )
    message = compose_message(
        to=to,
        subject=say("subject"),
        text=text,
        html=html,
        message_id_domain=urlsplit(accept_url).hostname or "docintake.localhost",
        auto_submitted=True,
    )
    # Set afterwards: compose_message builds the body last, which drops Content-* headers.
    message["Content-Language"] = lang
    return message
