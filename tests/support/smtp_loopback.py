"""Real SMTP servers on the loopback interface (aiosmtpd in a thread), for every test that
needs mail to arrive: the mail adapter's tests and the end-to-end tests of invitations."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"
SMTP_USER = "mailer@example.org"
# Characters that must be percent-encoded in a URL, to prove they get decoded.
SMTP_PASSWORD = "p@ss:w/rd%?#"


@dataclass
class Delivery:
    """The SMTP envelope of one received message."""

    mail_from: str
    rcpt_tos: list[str]


@dataclass
class LoopbackSmtpServer:
    """What a test sees of a running loopback SMTP server."""

    port: int
    scheme: str = "smtp"
    query: str = ""
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Delivery] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    unknown_recipients: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The server's URL without credentials."""
        return f"{self.scheme}://{HOST}:{self.port}{self.query}"

    def url_with(self, user: str, password: str) -> str:
        """The server's URL carrying percent-encoded credentials."""
        credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
        return f"{self.scheme}://{credentials}@{HOST}:{self.port}{self.query}"

    # aiosmtpd hooks, called on the server's event-loop thread.
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.unknown_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        assert raw is not None
        message = BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append(Delivery(envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = auth_data.login.decode()
        with self.lock:
            self.logins.append((mechanism, login))
        ok = login == SMTP_USER and auth_data.password.decode() == SMTP_PASSWORD
        # handled=False: let aiosmtpd answer "535 Authentication credentials invalid".
        return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_smtp(
    server: LoopbackSmtpServer, **controller_options: Any
) -> Iterator[LoopbackSmtpServer]:
    """Run `server` on a free loopback port until the block ends."""
    # aiosmtpd's Controller cannot listen on port 0 (it connects to its own
    # port to check it is up), so pick a free port first; another process
    # may grab it in between, hence the second try.
    for attempt in range(3):
        server.port = _free_port()
        controller = Controller(server, hostname=HOST, port=server.port, **controller_options)
        try:
            controller.start()
            break
        except OSError:
            if attempt == 2:
                raise
    try:
        yield server
    finally:
        controller.stop()
