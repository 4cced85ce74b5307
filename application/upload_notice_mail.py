"""The mail that tells a team member which files arrived: customer, link, files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from html import escape

from application.link_mail import message_domain, one_line, replace_message_id
from application.mail_message import compose_message
from application.texts.formats import DEFAULT_TIME_ZONE, Formats


@dataclass(frozen=True)
class ArrivedFile:
    filename: str
    size: int
    uploader_name: str | None
    uploaded_at: datetime


@dataclass(frozen=True)
class UploadNotice:
    """One digest for one member: what arrived through one link since the last digest."""

    to: str
    member_name: str | None
    language: str
    organization_name: str
    customer_name: str
    customer_url: str
    link_title: str | None
    link_created_at: datetime
    files: list[ArrivedFile]
    time_zone: str = DEFAULT_TIME_ZONE


_TEXTS = {
    "de": {
        "subject_one": "Neue Datei für {customer}",
        "subject_many": "{count} neue Dateien für {customer}",
        "greeting": "Guten Tag {name},",
        "greeting_unnamed": "Guten Tag,",
        "arrived_one": "für {customer} ist über {link} Neues eingegangen:",
        "arrived_many": "für {customer} ist über {link} Neues eingegangen:",
        "link_titled": "den Upload-Link „{title}“",
        "link_untitled": "den Upload-Link vom {date} (ohne Titel)",
        "file": "{filename} ({size}), {by}{at}",
        "by": "von {uploader}, ",
        "at": "am {date}",
        "open": "Zum Kunden:",
        "why": (
            "Sie erhalten diese Benachrichtigung als Mitglied von {organization}, höchstens "
            "eine pro Upload-Link in kurzer Zeit. Abschalten können Sie sie für sich in den "
            "Einstellungen: {settings_url}"
        ),
    },
    "en": {
        "subject_one": "New file for {customer}",
        "subject_many": "{count} new files for {customer}",
        "greeting": "Hello {name},",
        "greeting_unnamed": "Hello,",
        "arrived_one": "a new file for {customer} arrived through {link}:",
        "arrived_many": "new files for {customer} arrived through {link}:",
        "link_titled": "the upload link “{title}”",
        "link_untitled": "the upload link of {date} (untitled)",
        "file": "{filename} ({size}), {by}{at}",
        "by": "from {uploader}, ",
        "at": "on {date}",
        "open": "Open the customer:",
        "why": (
            "You receive this notice as a member of {organization}, at most one per upload "
            "link within a short time. Switch it off for yourself in the settings: "
            "{settings_url}"
        ),
    },
}


def upload_notice_message(notice: UploadNotice, *, message_id: str) -> EmailMessage:
    """The digest mail, marked `Auto-Submitted: auto-generated` (nobody wrote it)."""
    lang = notice.language if notice.language in _TEXTS else "de"
    texts = _TEXTS[lang]
    fmt = Formats(lang, notice.time_zone)
    count = len(notice.files)
    if notice.link_title:
        link = texts["link_titled"].format(title=notice.link_title)
    else:
        link = texts["link_untitled"].format(date=fmt.date(notice.link_created_at))
    subject = one_line(
        texts["subject_one" if count == 1 else "subject_many"].format(
            count=count, customer=notice.customer_name
        )
    )
    greeting = (
        texts["greeting"].format(name=notice.member_name)
        if notice.member_name
        else texts["greeting_unnamed"]
    )
    arrived = texts["arrived_one" if count == 1 else "arrived_many"].format(
        customer=notice.customer_name, link=link
    )
    lines = [
        texts["file"].format(
            filename=item.filename,
            size=fmt.size(item.size),
            by=texts["by"].format(uploader=item.uploader_name) if item.uploader_name else "",
            at=texts["at"].format(date=fmt.datetime(item.uploaded_at)),
        )
        for item in notice.files
    ]
    # The settings live beside the customers: the same site as the customer's page.
    settings_url = notice.customer_url.split("/customers/", 1)[0] + "/settings#notifications"
    why = texts["why"].format(organization=notice.organization_name, settings_url=settings_url)
    text = (
        f"{greeting}\n\n{arrived}\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + f"\n\n{texts['open']}\n{notice.customer_url}\n\n{why}\n"
    )
    url = escape(notice.customer_url, quote=True)
    html = (
        f'<!doctype html><html lang="{lang}"><body>'
        f"<p>{escape(greeting)}</p><p>{escape(arrived)}</p>"
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"
        f'<p>{escape(texts["open"])}<br><a href="{url}">{url}</a></p>'
        f"<p>{escape(why)}</p></body></html>"
    )
    message = compose_message(
        to=notice.to,
        subject=subject,
        text=text,
        html=html,
        message_id_domain=message_domain(notice.customer_url),
        auto_submitted=True,
    )
    replace_message_id(message, message_id)
    message["Content-Language"] = lang
    return message
