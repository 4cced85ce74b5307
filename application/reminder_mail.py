"""The reminder a client gets while documents are still missing: German, or English where
the organisation chooses; it names exactly what is missing and, if set, the due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html import escape

from application.link_mail import message_domain, one_line, replace_message_id
from application.mail_branding import MailBranding
from application.mail_message import compose_message
from application.texts.formats import DEFAULT_TIME_ZONE, Formats


@dataclass(frozen=True)
class ReminderMail:
    to: str
    language: str
    organization_name: str
    customer_name: str
    link_url: str
    link_title: str | None
    due_at: datetime | None
    missing: list[str]
    reply_to: str | None
    time_zone: str = DEFAULT_TIME_ZONE
    #: The organisation's sender name, reply address, logo and colour.
    branding: MailBranding | None = None
    #: The staff member who sent it by hand (None: the schedule did).
    sender_name: str | None = None


_TEXTS = {
    "de": {
        "subject": "Erinnerung: {organization} wartet auf Ihre Unterlagen",
        "greeting": "Guten Tag {name},",
        "asks": "{organization} erinnert Sie an die angeforderten Unterlagen.",
        "asks_titled": "{organization} erinnert Sie an die angeforderten Unterlagen: „{title}“.",
        "due": "Bitte senden Sie sie bis zum {date}.",
        "overdue": "Sie waren bis zum {date} erbeten.",
        "missing": "Es fehlen noch:",
        "none_named": "Bitte laden Sie Ihre Unterlagen hoch.",
        "where": "Ihre Unterlagen laden Sie über diese Seite hoch, ohne Konto:",
        "never": "Wir fragen Sie in E-Mails niemals nach Passwörtern oder Zugangsdaten.",
        "auto": "Diese Erinnerung wurde automatisch über docintake versandt.",
        "auto_reply": (
            "Diese Erinnerung wurde automatisch über docintake versandt."
            " Bei Fragen antworten Sie einfach auf diese E-Mail."
        ),
        "by_hand": (
            "Diese Erinnerung hat {sender} von {organization} über docintake versandt."
            " Bei Fragen antworten Sie einfach auf diese E-Mail."
        ),
    },
    "en": {
        "subject": "Reminder: {organization} is waiting for your documents",
        "greeting": "Hello {name},",
        "asks": "{organization} reminds you of the documents it asked for.",
        "asks_titled": "{organization} reminds you of the documents it asked for: “{title}”.",
        "due": "Please send them by {date}.",
        "overdue": "They were due on {date}.",
        "missing": "Still missing:",
        "none_named": "Please upload your documents.",
        "where": "Upload your documents on this page, no account needed:",
        "never": "We never ask you for passwords or login details by e-mail.",
        "auto": "This reminder was sent automatically through docintake.",
        "auto_reply": (
            "This reminder was sent automatically through docintake."
            " If you have questions, just reply to it."
        ),
        "by_hand": (
            "{sender} of {organization} sent this reminder through docintake."
            " If you have questions, just reply to it."
        ),
    },
}


def reminder_message(mail: ReminderMail, *, now: datetime, message_id: str) -> EmailMessage:
    """The reminder for `mail.to` (marked auto-submitted: a schedule sent it)."""
    texts = _TEXTS.get(mail.language, _TEXTS["de"])
    values = {
        "organization": mail.organization_name,
        "title": mail.link_title or "",
        "name": mail.customer_name,
        "date": Formats(mail.language, mail.time_zone).date(mail.due_at) if mail.due_at else "",
        "sender": mail.sender_name or "",
    }

    def say(key: str) -> str:
        return texts[key].format(**values)

    paragraphs = [say("greeting"), say("asks_titled" if mail.link_title else "asks")]
    if mail.due_at is not None:
        paragraphs.append(say("overdue" if mail.due_at <= now else "due"))
    html = [f"<p>{escape(p)}</p>" for p in paragraphs]
    if mail.branding is not None:
        html.insert(0, mail.branding.header_html())
    link_style = mail.branding.link_style() if mail.branding else ""
    if mail.missing:
        paragraphs.append(say("missing") + "\n" + "\n".join(f"- {item}" for item in mail.missing))
        items = "".join(f"<li>{escape(item)}</li>" for item in mail.missing)
        html.append(f"<p>{escape(say('missing'))}</p><ul>{items}</ul>")
    else:
        paragraphs.append(say("none_named"))
        html.append(f"<p>{escape(say('none_named'))}</p>")
    paragraphs.append(f"{say('where')}\n{mail.link_url}")
    url = escape(mail.link_url, quote=True)
    html.append(f'<p>{escape(say("where"))}<br><a href="{url}"{link_style}>{url}</a></p>')
    by_hand = mail.sender_name is not None
    closing = "by_hand" if by_hand else ("auto_reply" if mail.reply_to else "auto")
    for key in ("never", closing):
        paragraphs.append(say(key))
        html.append(f"<p>{escape(say(key))}</p>")
    message = compose_message(
        to=mail.to,
        subject=one_line(say("subject")),
        text="\n\n".join(paragraphs) + "\n",
        html=f'<!doctype html><html lang="{mail.language}"><body>{"".join(html)}</body></html>',
        message_id_domain=message_domain(mail.link_url),
        # By hand a person asked for it: an out-of-office answer is news for them.
        auto_submitted=not by_hand,
        headers={"Reply-To": mail.reply_to} if mail.reply_to else None,
    )
    replace_message_id(message, message_id)
    message["Content-Language"] = mail.language
    if mail.branding is not None:
        mail.branding.apply(message, mail.reply_to)
    return message
