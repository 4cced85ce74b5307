"""The organisation's branding in the mails its clients get (link mail, follow-up questions,
reminders): the sender's display name, the reply address, and at the top of the HTML part
the logo (carried inside the mail, so no image is fetched from anywhere when it is read)
or else the organisation's name, in its accent colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from typing import TYPE_CHECKING
from uuid import UUID

from application.mail_message import header_address
from application.ports import SENDER_NAME_HEADER
from domain.branding import DEFAULT_ACCENT

if TYPE_CHECKING:
    from application.docintake import DocIntake

LOGO_CID = "logo@docintake"
#: The height the logo is shown at in a mail (it is stored at up to 192 pixels).
LOGO_SHOWN_HEIGHT = 64


@dataclass(frozen=True)
class MailBranding:
    """What of the organisation's branding a client mail carries."""

    organization_name: str
    sender_name: str | None = None
    reply_to: str | None = None
    accent_color: str = DEFAULT_ACCENT
    logo: bytes | None = None
    logo_subtype: str = "png"
    logo_width: int = 0
    logo_height: int = 0

    @property
    def display_name(self) -> str:
        return self.sender_name or self.organization_name

    def header_html(self) -> str:
        """The top of the HTML part: a bar in the accent colour, the logo or the name."""
        color = escape(self.accent_color, quote=True)
        name = escape(self.organization_name, quote=True)
        if self.logo is not None and self.logo_height > 0:
            height = min(LOGO_SHOWN_HEIGHT, self.logo_height)
            width = round(self.logo_width * height / self.logo_height)
            face = (
                f'<img src="cid:{LOGO_CID}" alt="{name}" width="{width}" height="{height}"'
                ' style="display:block;border:0">'
            )
        else:
            face = f'<p style="margin:0;font-size:20px;font-weight:600;color:{color}">{name}</p>'
        return (
            f'<div data-branding="header" style="border-top:4px solid {color};'
            f'padding:16px 0 12px">{face}</div>'
        )

    def link_style(self) -> str:
        return f' style="color:{escape(self.accent_color, quote=True)}"'

    def apply(self, message: EmailMessage, fallback_reply_to: str | None) -> None:
        """Sender name (the mailer puts it before its address), reply address (the
        organisation's, else `fallback_reply_to`), and the logo inside the HTML part."""
        del message[SENDER_NAME_HEADER]
        message[SENDER_NAME_HEADER] = self.display_name
        reply_to = self.reply_to or fallback_reply_to
        del message["Reply-To"]
        if reply_to:
            message["Reply-To"] = header_address(reply_to)
        if self.logo is None:
            return
        html = message.get_body(preferencelist=("html",))
        if isinstance(html, EmailMessage):
            html.add_related(
                self.logo,
                maintype="image",
                subtype=self.logo_subtype,
                cid=f"<{LOGO_CID}>",
                disposition="inline",
            )
        # MIME-Version belongs on the top-level message only (`set_content` adds it).
        for part in message.walk():
            if part is not message:
                del part["MIME-Version"]


def mail_branding(app: DocIntake, organization_id: UUID, organization_name: str) -> MailBranding:
    """The organisation's branding as its client mails carry it (a logo whose bytes are
    gone from storage is left out: the name is shown instead)."""
    view = app.branding.of_organization(organization_id)
    logo = app.branding.logo_bytes(view.logo.name) if view.logo else None
    return MailBranding(
        organization_name=organization_name,
        sender_name=view.sender_name,
        reply_to=view.reply_to,
        accent_color=view.shown_accent,
        logo=logo,
        logo_subtype="jpeg" if view.logo and view.logo.content_type == "image/jpeg" else "png",
        logo_width=view.logo.width if view.logo else 0,
        logo_height=view.logo.height if view.logo else 0,
    )
