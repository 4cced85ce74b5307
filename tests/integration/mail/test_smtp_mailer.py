"""SmtpMailer against real SMTP servers on the loopback interface."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from application.mail_message import compose_message
from infrastructure.mail import MailDeliveryError, SmtpMailer
from tests.support.smtp_loopback import SMTP_PASSWORD, SMTP_USER, LoopbackSmtpServer

FROM = "Docintake <noreply@docintake.example>"


def _message(to: str = "Jörg Müller <joerg@example.com>") -> EmailMessage:
    return compose_message(
        to=to,
        subject="Unterlagen für Ihre Steuererklärung",
        text="Grüß Gott,\nbitte laden Sie die Belege hoch.",
        html="<p>Grüß Gott,<br>bitte laden Sie die <b>Belege</b> hoch.</p>",
        message_id_domain="docintake.example",
        auto_submitted=True,
    )


def test_delivers_multipart_message_with_headers(smtp_server: LoopbackSmtpServer) -> None:
    sent = _message()

    SmtpMailer(smtp_server.url, FROM).send(sent)

    [received] = smtp_server.messages
    assert received.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert received["Message-ID"] == sent["Message-ID"]
    assert received["Message-ID"].endswith("@docintake.example>")
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["From"] == FROM
    assert received["Subject"] == "Unterlagen für Ihre Steuererklärung"
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert plain is not None and html is not None
    # SMTP carries CRLF line ends; the receiving side keeps them.
    assert plain.get_content().splitlines() == ["Grüß Gott,", "bitte laden Sie die Belege hoch."]
    assert "<b>Belege</b>" in html.get_content()
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "noreply@docintake.example"
    assert envelope.rcpt_tos == ["joerg@example.com"]


def test_keeps_an_existing_from_header(smtp_server: LoopbackSmtpServer) -> None:
    message = _message()
    message["From"] = "Kanzlei Huber <kanzlei@huber.example>"

    SmtpMailer(smtp_server.url, FROM).send(message)

    [received] = smtp_server.messages
    assert received["From"] == "Kanzlei Huber <kanzlei@huber.example>"


def test_unknown_recipient_is_a_permanent_delivery_error(smtp_server: LoopbackSmtpServer) -> None:
    smtp_server.unknown_recipients.add("ghost@example.com")

    with pytest.raises(MailDeliveryError, match="550") as caught:
        SmtpMailer(smtp_server.url, FROM).send(_message(to="ghost@example.com"))

    assert caught.value.permanent
    assert smtp_server.messages == []


def test_partly_refused_recipients_are_reported_but_not_retried(
    smtp_server: LoopbackSmtpServer,
) -> None:
    smtp_server.unknown_recipients.add("ghost@example.com")
    message = _message(to="ghost@example.com, real@example.com")

    with pytest.raises(MailDeliveryError, match=r"refused some recipients: 550 5\.1\.1") as caught:
        SmtpMailer(smtp_server.url, FROM).send(message)

    # A retry would send the message to real@example.com a second time.
    assert caught.value.permanent
    # The error is logged and kept with the job: it names no one.
    assert "ghost" not in str(caught.value) and caught.value.__cause__ is None
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["real@example.com"]]


def test_logs_in_with_url_decoded_credentials(smtp_auth_server: LoopbackSmtpServer) -> None:
    mailer = SmtpMailer(smtp_auth_server.url_with(SMTP_USER, SMTP_PASSWORD), FROM)

    mailer.send(_message())

    assert smtp_auth_server.logins == [("LOGIN", SMTP_USER)]
    assert len(smtp_auth_server.messages) == 1


def test_wrong_password_raises_permanent_delivery_error(
    smtp_auth_server: LoopbackSmtpServer,
) -> None:
    mailer = SmtpMailer(smtp_auth_server.url_with(SMTP_USER, "wrong"), FROM)

    with pytest.raises(MailDeliveryError, match="refused the login") as caught:
        mailer.send(_message())

    assert caught.value.permanent
    assert "wrong" not in str(caught.value)
    assert smtp_auth_server.messages == []


def test_missing_credentials_raise_delivery_error(smtp_auth_server: LoopbackSmtpServer) -> None:
    with pytest.raises(MailDeliveryError, match="530") as caught:
        SmtpMailer(smtp_auth_server.url, FROM).send(_message())

    assert caught.value.permanent


def test_starttls_then_login(
    smtp_starttls_server: LoopbackSmtpServer, tls_client_context: ssl.SSLContext
) -> None:
    url = smtp_starttls_server.url_with(SMTP_USER, SMTP_PASSWORD)
    assert url.endswith("?starttls=true")

    SmtpMailer(url, FROM, ssl_context=tls_client_context).send(_message())

    assert smtp_starttls_server.logins == [("PLAIN", SMTP_USER)]
    assert len(smtp_starttls_server.messages) == 1


def test_starttls_verifies_the_certificate(smtp_starttls_server: LoopbackSmtpServer) -> None:
    url = smtp_starttls_server.url_with(SMTP_USER, SMTP_PASSWORD)

    # The default context trusts only the system's CAs, not the test certificate.
    with pytest.raises(MailDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpMailer(url, FROM).send(_message())

    assert smtp_starttls_server.messages == []


def test_smtps_uses_implicit_tls(
    smtps_server: LoopbackSmtpServer, tls_client_context: ssl.SSLContext
) -> None:
    assert smtps_server.url.startswith("smtps://")

    SmtpMailer(smtps_server.url, FROM, ssl_context=tls_client_context).send(_message())

    assert len(smtps_server.messages) == 1


def test_refused_connection_is_a_transient_delivery_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.

    with pytest.raises(MailDeliveryError, match=f"127.0.0.1:{port}") as caught:
        SmtpMailer(f"smtp://127.0.0.1:{port}", FROM).send(_message())

    assert not caught.value.permanent


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections but never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


def test_silent_server_times_out(silent_server: int) -> None:
    mailer = SmtpMailer(f"smtp://127.0.0.1:{silent_server}", FROM, timeout=0.3)
    started = time.monotonic()

    with pytest.raises(MailDeliveryError, match=r"(?i)timed out"):
        mailer.send(_message())

    assert time.monotonic() - started < 3


def test_default_timeout_is_ten_seconds() -> None:
    assert SmtpMailer("smtp://mail.example:25", FROM).timeout == 10


@pytest.mark.parametrize(
    ("url", "host", "port", "implicit_tls", "starttls"),
    [
        ("smtp://mail.example", "mail.example", 25, False, False),
        ("smtp://mail.example:2525", "mail.example", 2525, False, False),
        ("smtp://u:p@mail.example:587?starttls=true", "mail.example", 587, False, True),
        ("smtps://mail.example", "mail.example", 465, True, False),
        ("smtps://mail.example:4650", "mail.example", 4650, True, False),
    ],
)
def test_url_parsing(url: str, host: str, port: int, implicit_tls: bool, starttls: bool) -> None:
    mailer = SmtpMailer(url, FROM)

    assert (mailer.host, mailer.port, mailer.implicit_tls, mailer.starttls) == (
        host,
        port,
        implicit_tls,
        starttls,
    )


def test_repr_hides_the_password() -> None:
    mailer = SmtpMailer("smtp://user:s3cret@mail.example:587?starttls=true", FROM)

    assert "s3cret" not in repr(mailer)
    assert "user" in repr(mailer)


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp://",
        "smtp://mail.example?starttls=maybe",
        "smtp://mail.example?tls=true",
        "smtps://mail.example?starttls=true",
        "smtp://us%C3%A9r:p@mail.example",
    ],
)
def test_rejects_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        SmtpMailer(url, FROM)
