"""The mail that brings a client their upload link: German, or English where the organisation
chooses; plain text and HTML; the link shown as the plain URL it is.

Clients are told not to trust mail that asks for passwords, so this one never
does: for a password-protected link it says the professional will give the
password by another way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html import escape
from urllib.parse import urlsplit

from application.mail_branding import MailBranding
from application.mail_message import compose_message
from application.texts.formats import DEFAULT_TIME_ZONE, Formats


def message_domain(url: str) -> str:
    """The right-hand side of Message-IDs: the host clients see in links."""
    return urlsplit(url).hostname or "docintake.localhost"


def one_line(text: str) -> str:
    """Text for a header: a link title may hold line breaks, which headers must not."""
    return " ".join(text.split())


def replace_message_id(message: EmailMessage, message_id: str) -> None:
    """Give a message an id derived from its job, so that a repeat is recognisable as one."""
    del message["Message-ID"]
    message["Message-ID"] = message_id


@dataclass(frozen=True)
class LinkMail:
    """What the link mail says; `sender_*` is the staff member who asked for it."""

    to: str
    language: str
    organization_name: str
    customer_name: str
    link_url: str
    link_title: str | None
    expires_at: datetime
    requested_items: list[str]
    password_protected: bool
    personal_message: str | None
    sender_name: str
    sender_email: str | None
    time_zone: str = DEFAULT_TIME_ZONE
    #: Open follow-up questions (document, question): the mail then asks for answers.
    questions: tuple[tuple[str, str], ...] = ()
    #: The organisation's sender name, reply address, logo and colour.
    branding: MailBranding | None = None
    #: The link's due date, and whether it has passed when the mail is sent.
    due_at: datetime | None = None
    due_passed: bool = False


_TEXTS = {
    "de": {
        "subject": "{organization}: Bitte laden Sie Ihre Unterlagen hoch",
        "subject_titled": "{organization}: {title}",
        "greeting": "Guten Tag {name},",
        "asks": "{organization} bittet Sie, Unterlagen hochzuladen.",
        "asks_titled": "{organization} bittet Sie, Unterlagen hochzuladen: „{title}“.",
        "items": "Bitte laden Sie hoch:",
        "where": "Ihre Unterlagen laden Sie über diese Seite hoch, ohne Konto:",
        "until": "Der Link ist gültig bis {date}.",
        "due": "Bitte senden Sie Ihre Unterlagen bis zum {due}.",
        "overdue": "Ihre Unterlagen waren bis zum {due} erbeten.",
        "password": (
            "Die Seite ist mit einem Passwort geschützt. Das Passwort erhalten Sie von "
            "{organization} auf anderem Weg, nie per E-Mail."
        ),
        "never": "Wir fragen Sie in E-Mails niemals nach Passwörtern oder Zugangsdaten.",
        "sender": (
            "Diese E-Mail hat {sender} von {organization} über docintake versandt. "
            "Bei Fragen antworten Sie einfach auf diese E-Mail."
        ),
        "sender_no_reply": "Diese E-Mail hat {sender} von {organization} über docintake versandt.",
        "questions_subject": "{organization}: Rückfrage zu Ihren Unterlagen",
        "questions": "{organization} hat Rückfragen zu Ihren Unterlagen:",
        "question": "{organization} hat eine Rückfrage zu Ihren Unterlagen:",
        "question_line": "{label}: {question}",
        "answer_where": "Antworten und Ersatzdateien laden Sie über diese Seite hoch, ohne Konto:",
    },
    "en": {
        "subject": "{organization}: please upload your documents",
        "subject_titled": "{organization}: {title}",
        "greeting": "Hello {name},",
        "asks": "{organization} asks you to upload documents.",
        "asks_titled": "{organization} asks you to upload documents: “{title}”.",
        "items": "Please upload:",
        "where": "Upload your documents on this page, no account needed:",
        "until": "The link is valid until {date}.",
        "due": "Please send your documents by {due}.",
        "overdue": "Your documents were due on {due}.",
        "password": (
            "The page is protected by a password. {organization} will give you the password "
            "separately, never by e-mail."
        ),
        "never": "We never ask you for passwords or login details by e-mail.",
        "sender": (
            "{sender} of {organization} sent this e-mail through docintake. "
            "If you have questions, just reply to it."
        ),
        "sender_no_reply": "{sender} of {organization} sent this e-mail through docintake.",
        "questions_subject": "{organization}: questions about your documents",
        "questions": "{organization} has questions about your documents:",
        "question": "{organization} has a question about your documents:",
        "question_line": "{label}: {question}",
        "answer_where": "Upload answers and replacement files on this page, no account needed:",
    },
}


def link_message(mail: LinkMail, *, message_id: str) -> EmailMessage:
    """The link mail for `mail.to`.

    Not marked `Auto-Submitted`: a person asked for it to be sent, and an
    out-of-office answer from the client is news for that person, whose
    address is the `Reply-To`.
    """
    texts = _TEXTS.get(mail.language, _TEXTS["de"])
    formats = Formats(mail.language, mail.time_zone)
    values = {
        "organization": mail.organization_name,
        "title": mail.link_title or "",
        "name": mail.customer_name,
        "date": formats.datetime(mail.expires_at),
        "due": formats.date(mail.due_at) if mail.due_at else "",
        "sender": mail.sender_name,
    }

    def say(key: str) -> str:
        return texts[key].format(**values)

    subject = one_line(say("subject_titled" if mail.link_title else "subject"))
    asks = say("asks_titled" if mail.link_title else "asks")
    where = say("where")
    if mail.questions:
        subject = one_line(say("questions_subject"))
        asks = say("questions" if len(mail.questions) > 1 else "question")
        where = say("answer_where")
    closing = say("sender" if mail.sender_email else "sender_no_reply")
    notes = [say("until")]
    if mail.due_at is not None:
        # The day the upload page names too, before the link's hard end.
        notes.insert(0, say("overdue" if mail.due_passed else "due"))
    if mail.password_protected:
        notes.append(say("password"))
    notes.append(say("never"))

    text_parts = [say("greeting"), asks]
    html_parts = [f"<p>{escape(say('greeting'))}</p>", f"<p>{escape(asks)}</p>"]
    if mail.branding is not None:
        html_parts.insert(0, mail.branding.header_html())
    link_style = mail.branding.link_style() if mail.branding else ""
    if mail.personal_message and not mail.questions:
        text_parts.append(mail.personal_message)
        paragraph = "<br>".join(escape(line) for line in mail.personal_message.splitlines())
        html_parts.append(f"<p>{paragraph}</p>")
    if mail.questions:
        lines = [
            texts["question_line"].format(label=label, question=question)
            for label, question in mail.questions
        ]
        # A question of several lines stays one list entry: later lines indented in the
        # text, joined by <br> in the HTML (where a bare line break is a blank).
        text_parts.append("\n".join("- " + line.replace("\n", "\n  ") for line in lines))
        html_parts.append(
            "<ul>"
            + "".join(
                "<li>" + "<br>".join(escape(part) for part in line.split("\n")) + "</li>"
                for line in lines
            )
            + "</ul>"
        )
    elif mail.requested_items:
        text_parts.append(
            say("items") + "\n" + "\n".join(f"- {item}" for item in mail.requested_items)
        )
        items = "".join(f"<li>{escape(item)}</li>" for item in mail.requested_items)
        html_parts.append(f"<p>{escape(say('items'))}</p><ul>{items}</ul>")
    text_parts.append(f"{where}\n{mail.link_url}")
    url = escape(mail.link_url, quote=True)
    # The visible text is the URL itself: the client sees where the link goes.
    html_parts.append(f'<p>{escape(where)}<br><a href="{url}"{link_style}>{url}</a></p>')
    text_parts.extend(notes)
    html_parts.extend(f"<p>{escape(note)}</p>" for note in notes)
    text_parts.append(closing)
    html_parts.append(f"<p>{escape(closing)}</p>")

    headers = {"Reply-To": mail.sender_email} if mail.sender_email else None
    message = compose_message(
        to=mail.to,
        subject=subject,
        text="\n\n".join(text_parts) + "\n",
        html=f'<!doctype html><html lang="{mail.language}"><body>{"".join(html_parts)}'
        "</body></html>",
        message_id_domain=message_domain(mail.link_url),
        auto_submitted=False,
        headers=headers,
    )
    replace_message_id(message, message_id)
    message["Content-Language"] = mail.language
    if mail.branding is not None:
        mail.branding.apply(message, mail.sender_email)
    return message
