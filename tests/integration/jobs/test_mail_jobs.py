"""Link mails and upload notices through a real SMTP server on loopback, in every queue mode
(embedded, RabbitMQ, Redis) and on both backends."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import pytest

from infrastructure.bootstrap import Services
from infrastructure.settings import PREFIX
from interfaces.cli import main
from tests.support.api import PASSWORD, Account, signup
from tests.support.cli import environment
from tests.support.jobs import Deploy, messages_to, wait_until
from tests.support.server import free_port
from tests.support.smtp_loopback import LoopbackSmtpServer
from tests.support.team import invitation_token, text_of
from tests.support.uploads import create_link, pdf_bytes, upload

ORGANISATION = "Steuerbüro Köhler & Partner"


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def event_types(services: Services, aggregate_id: str) -> list[str]:
    return [type(e).__name__ for e in services.app.events.get(UUID(aggregate_id))]


def join(owner: Account, smtp_server: LoopbackSmtpServer, role: str, name: str) -> Account:
    """A new member of the owner's organisation, invited through the mail server."""
    email = f"{name.split()[0].lower()}-{time.monotonic_ns()}@example.com"
    response = owner.post("/api/v1/invitations", json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    [invitation] = messages_to(smtp_server, email)
    token = invitation_token(invitation)
    joined = owner.client.post(
        f"/api/v1/invitations/{token}/accept", json={"name": name, "password": PASSWORD}
    )
    assert joined.status_code == 201, joined.text
    body = joined.json()
    return Account(owner.organization_id, body["user_id"], body["token"], email, owner.client)


def notices_to(smtp_server: LoopbackSmtpServer, address: str) -> list[EmailMessage]:
    return [m for m in messages_to(smtp_server, address) if m["Message-ID"].startswith("<upload-")]


def test_the_link_mail_reaches_the_client_once(
    deploy: Deploy, smtp_server: LoopbackSmtpServer
) -> None:
    with deploy(smtp_url=smtp_server.url) as running:
        owner = signup(running.http, plan="team", name=ORGANISATION)
        customer = owner.create_customer("Anna Schmidt", email="anna@example.com")
        link = create_link(
            owner,
            customer["id"],
            title="Unterlagen 2024",
            password="geheim-123",
            requested_items=["Lohnsteuerbescheinigung"],
        )
        sent = owner.post(
            f"/api/v1/links/{link['id']}/send",
            json={"message": "Liebe Frau Schmidt,\nbitte bis Freitag."},
        )
        assert sent.status_code == 202, sent.text

        wait_until(lambda: messages_to(smtp_server, "anna@example.com"), what="the link mail")
        wait_until(
            lambda: "UploadLinkSent" in event_types(running.api, link["id"]),
            what="UploadLinkSent recorded",
        )
        [mail] = messages_to(smtp_server, "anna@example.com")
        assert smtp_server.envelopes[-1].rcpt_tos == ["anna@example.com"]
        assert mail.get_content_type() == "multipart/alternative"
        assert mail["Subject"] == f"{ORGANISATION}: Unterlagen 2024"
        assert mail["Content-Language"] == "de"
        assert mail["Message-ID"] and mail["Message-ID"].startswith("<link-")
        # A person asked for it: replies go to that person, and it is not auto-submitted.
        assert mail["Reply-To"] == owner.email
        assert mail["Auto-Submitted"] is None
        text, html = text_of(mail), html_of(mail)
        url = link["url"]
        assert url in text.splitlines()  # on a line of its own
        # The link is a link (the office's accent colour may style it).
        assert re.search(rf'<a href="{re.escape(url)}"[^>]*>{re.escape(url)}</a>', html), html
        assert ORGANISATION in text and "Steuerbüro Köhler &amp; Partner" in html
        assert "Lohnsteuerbescheinigung" in text and "bitte bis Freitag." in text
        # The password is never in the mail, and the mail says it never will be.
        assert "geheim-123" not in text and "geheim-123" not in html
        assert "auf anderem Weg, nie per E-Mail" in text

        activity = owner.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
        assert activity[0]["type"] == "UploadLinkSent"
        assert activity[0]["data"]["to"] == "anna@example.com"
        # Once: nothing else arrives, and the outcome is recorded once.
        time.sleep(0.3)
        assert len(messages_to(smtp_server, "anna@example.com")) == 1
        assert event_types(running.api, link["id"]).count("UploadLinkSent") == 1


def test_a_link_mail_that_cannot_be_sent_is_shown_to_staff(
    deploy: Deploy, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens there: every attempt fails, and after the last retry it is given up.
    with deploy(smtp_url=f"smtp://127.0.0.1:{free_port()}") as running:
        owner = signup(running.http, plan="team")
        customer = owner.create_customer("Bernd Brot", email="bernd@example.com")
        link = create_link(owner, customer["id"], title="Belege")
        assert owner.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202

        wait_until(
            lambda: "UploadLinkSendFailed" in event_types(running.api, link["id"]),
            timeout=30,
            what="the failure recorded",
        )
        assert "UploadLinkSent" not in event_types(running.api, link["id"])

        def listed() -> dict[str, Any]:
            links = owner.get(f"/api/v1/customers/{customer['id']}/links").json()["items"]
            return dict(links[0])

        wait_until(lambda: listed()["send_failure"] is not None, what="failure on the link")
        assert "could not send mail" in listed()["send_failure"]
        activity = owner.get(f"/api/v1/customers/{customer['id']}/activity").json()["items"]
        assert activity[0]["type"] == "UploadLinkSendFailed"
        assert "konnte nicht an bernd@example.com gesendet werden" in activity[0]["summary"]

        counts = {c.kind: c for c in running.api.job_status()}
        assert counts["send_link"].failed == 1
        assert counts["send_link"].dead_lettered == 0
        # The operator's view: `docintake jobs status`, run here in the test's process.
        for name, value in environment(running.api.settings).items():
            if name.startswith(PREFIX):
                monkeypatch.setenv(name, value)
        assert main(["jobs", "status"]) == 0
        header, *rows = capsys.readouterr().out.splitlines()
        assert header.split() == ["job", "queued", "delayed", "failed", "dead-lettered"]
        assert next(row for row in rows if row.startswith("send_link")).split() == [
            "send_link",
            "0",
            "0",
            "1",
            "0",
        ]


def test_the_team_hears_of_uploads_in_one_digest_per_window(
    deploy: Deploy, smtp_server: LoopbackSmtpServer
) -> None:
    # The window holds two uploads and half a second after the first notice (under 0.9 s
    # on a machine loaded 6 processes per core), and the test waits it out.
    with deploy(smtp_url=smtp_server.url, notification_digest_seconds=2.0) as running:
        owner = signup(running.http, plan="team", name=ORGANISATION)
        colleague = join(owner, smtp_server, "member", "Kim Kollegin")
        quiet = join(owner, smtp_server, "viewer", "Ruth Ruhig")
        switched = quiet.put("/api/v1/members/me/notifications", json={"uploads": False})
        assert switched.status_code == 200, switched.text
        assert switched.json() == {"uploads": False}
        customer = owner.create_customer("Clara Client", email="clara@example.com")
        link = create_link(owner, customer["id"], title="Belege März")

        first = upload(
            running.http, link, ("erste.pdf", pdf_bytes()), data={"uploader_name": "Clara"}
        )
        assert first.status_code == 201, first.text
        wait_until(
            lambda: (
                notices_to(smtp_server, owner.email) and notices_to(smtp_server, colleague.email)
            ),
            what="the first notice",
        )
        # Within the window the next uploads wait for one digest.
        for name in ("zweite.pdf", "dritte.pdf"):
            assert upload(running.http, link, (name, pdf_bytes())).status_code == 201
        time.sleep(0.5)
        assert len(notices_to(smtp_server, owner.email)) == 1
        wait_until(lambda: len(notices_to(smtp_server, owner.email)) == 2, what="the digest")
        wait_until(lambda: len(notices_to(smtp_server, colleague.email)) == 2, what="its copy")

        one, digest = notices_to(smtp_server, owner.email)
        assert one["Subject"] == "Neue Datei für Clara Client"
        assert digest["Subject"] == "2 neue Dateien für Clara Client"
        assert one["Auto-Submitted"] == "auto-generated"
        first_text, digest_text = text_of(one), text_of(digest)
        assert "erste.pdf" in first_text and "von Clara" in first_text
        assert "zweite.pdf" in digest_text and "dritte.pdf" in digest_text
        assert "erste.pdf" not in digest_text
        for text in (first_text, digest_text):
            assert "Clara Client" in text and "„Belege März“" in text
            assert f"/customers/{customer['id']}" in text
            assert ORGANISATION in text
        colleague_text = text_of(notices_to(smtp_server, colleague.email)[0])
        assert colleague_text.startswith("Guten Tag Kim Kollegin,")
        # Switched off: no notices at all (the invitation is all this person got).
        assert notices_to(smtp_server, quiet.email) == []
        time.sleep(0.3)
        assert len(notices_to(smtp_server, owner.email)) == 2
