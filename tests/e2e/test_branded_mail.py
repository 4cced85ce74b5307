"""Client mails carry the organisation's branding, through a real SMTP server on loopback:
the link mail, the follow-up question mail and a reminder have the sender name before the service's
address, the organisation's reply address, and in the HTML part the accent colour and the
logo (inside the mail) or, without a logo, the organisation's name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import parseaddr

import httpx
import pytest

from infrastructure.bootstrap import Services
from tests.support.api import signup
from tests.support.images import png_logo
from tests.support.jobs import FAST_JOBS, messages_to, wait_until
from tests.support.server import free_port, running_server
from tests.support.smtp_loopback import LoopbackSmtpServer, serve_smtp
from tests.support.uploads import create_link, pdf_bytes, upload

ORGANISATION = "Steuerbüro Köhler & Partner"
SENDER = 'Köhler & Partner "Steuern" – Büro Köln'
REPLY_TO = "buero@koehler-steuer.de"


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSmtpServer]:
    with serve_smtp(LoopbackSmtpServer(port=0)) as server:
        yield server


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def inline_logo(message: EmailMessage) -> bytes | None:
    for part in message.walk():
        if part.get("Content-ID") == "<logo@docintake>":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    return None


def test_client_mails_carry_sender_name_reply_address_colour_and_logo(
    make_services: Callable[..., Services], smtp_server: LoopbackSmtpServer
) -> None:
    services = make_services(port=free_port(), smtp_url=smtp_server.url, **FAST_JOBS)
    with running_server(services) as url, httpx.Client(base_url=url) as http:
        owner = signup(http, plan="team", name=ORGANISATION)
        branded = owner.put(
            "/api/v1/organization/branding",
            json={"accent_color": "#1F4E79", "sender_name": SENDER, "reply_to": REPLY_TO},
        )
        assert branded.status_code == 200, branded.text
        logo = owner.put(
            "/api/v1/organization/branding/logo",
            files={"file": ("Logo Köhler.png", png_logo(), "image/png")},
        )
        assert logo.status_code == 200, logo.text
        served = http.get(logo.json()["logo"]["url"].removeprefix(url)).content

        customer = owner.create_customer("Jürgen Weiß", email="juergen@example.com")
        link = create_link(owner, customer["id"], requested_items=["Lohnsteuerbescheinigung"])
        assert owner.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
        wait_until(lambda: messages_to(smtp_server, "juergen@example.com"), what="the link mail")
        [mail] = messages_to(smtp_server, "juergen@example.com")

        name, address = parseaddr(str(mail["From"]))
        assert name == SENDER
        assert address == parseaddr(services.settings.mail_from)[1]
        assert mail["Reply-To"] == REPLY_TO
        assert "X-Docintake-Sender-Name" not in mail
        html = html_of(mail)
        assert "border-top:4px solid #1f4e79" in html
        assert 'style="color:#1f4e79"' in html
        assert 'src="cid:logo@docintake"' in html
        assert f'alt="{ORGANISATION.replace("&", "&amp;")}"' in html
        assert inline_logo(mail) == served

        # The follow-up question mail, after the logo was removed: the name in its colour.
        assert owner.delete("/api/v1/organization/branding/logo").status_code == 204
        uploaded = upload(http, link, ("Kündigung – 2024.pdf", pdf_bytes(2_000)))
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()["files"][0]["id"]
        review = owner.put(
            f"/api/v1/files/{file_id}/review",
            json={"state": "query", "comment": "Bitte Seite 2 nachreichen.", "notify_client": True},
        )
        assert review.status_code == 200, review.text
        wait_until(
            lambda: len(messages_to(smtp_server, "juergen@example.com")) == 2,
            what="the follow-up question mail",
        )
        question = messages_to(smtp_server, "juergen@example.com")[1]
        assert "Rückfrage" in str(question["Subject"])
        assert parseaddr(str(question["From"]))[0] == SENDER
        assert question["Reply-To"] == REPLY_TO
        html = html_of(question)
        assert "cid:" not in html and inline_logo(question) is None
        assert "color:#1f4e79" in html and "Steuerbüro Köhler &amp; Partner</p>" in html

        # A reminder sent by hand: branded the same way; a person sent it, so it is not
        # marked as auto-generated (the automatic ones are: jobs/test_reminders.py).
        reminded = owner.post(f"/api/v1/links/{link['id']}/remind")
        assert reminded.status_code == 202, reminded.text
        wait_until(
            lambda: len(messages_to(smtp_server, "juergen@example.com")) == 3,
            what="the reminder",
        )
        reminder = messages_to(smtp_server, "juergen@example.com")[2]
        assert str(reminder["Subject"]).startswith("Erinnerung")
        assert parseaddr(str(reminder["From"]))[0] == SENDER
        assert reminder["Reply-To"] == REPLY_TO
        assert reminder["Auto-Submitted"] is None
        assert "border-top:4px solid #1f4e79" in html_of(reminder)
