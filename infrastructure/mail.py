"""Mail delivery: SMTP for production, an outbox folder of `.eml` files otherwise.

Both implement `application.ports.Mailer`. Messages are built by
`application.mail_message.compose_message`; the mailers only add `From` when the
message has none, and deliver.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
import tempfile
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from application.ports import CUSTOMER_HEADER, SENDER_NAME_HEADER, Mailer, MailNotDelivered

DEFAULT_TIMEOUT_SECONDS = 10.0

_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class MailDeliveryError(MailNotDelivered):
    """A message could not be handed over to the mail server (or outbox).

    `permanent` is true when the server rejected the message for good (an SMTP
    5xx reply: unknown recipient, failed login, message refused); retrying then
    only repeats the failure. Connection problems and 4xx replies are not
    permanent.
    """


class SmtpMailer:
    """Sends messages through an SMTP server described by a URL.

    `smtp://host:port` connects in plain text, `smtp://...?starttls=true`
    upgrades with STARTTLS, `smtps://host:465` speaks TLS from the start. User
    and password in the URL (percent-encoded) are used to log in. One
    connection per message: mail volume is low and a pooled connection would
    only go stale between messages.
    """

    def __init__(
        self,
        url: str,
        from_address: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in _DEFAULT_PORTS:
            raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("SMTP URL has no host")
        options = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(options) - {"starttls"}
        if unknown:
            raise ValueError(f"unknown SMTP URL option(s): {', '.join(sorted(unknown))}")
        starttls = _parse_bool(options.get("starttls", ["false"])[-1], "starttls")
        if starttls and parts.scheme == "smtps":
            raise ValueError("starttls=true makes no sense with smtps://, which is TLS already")

        self.host: str = parts.hostname
        self.port: int = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = starttls
        # urlsplit leaves percent-escapes in place; passwords with `@` or `:`
        # can only be written escaped.
        self.username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else ""
        if not f"{self.username or ''}{self._password}".isascii():
            # smtplib encodes AUTH credentials as ASCII and would fail on the
            # first message instead of at start-up.
            raise ValueError("SMTP user name and password must be ASCII")
        self.from_address = from_address
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        # Never show the password: mailers end up in logs and tracebacks.
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        tls = "?starttls=true" if self.starttls else ""
        return f"SmtpMailer('{scheme}://{user}{self.host}:{self.port}{tls}')"

    def send(self, message: EmailMessage) -> None:
        """Deliver `message`, setting `From` if missing; raises `MailDeliveryError`."""
        _ensure_from(message, self.from_address)
        del message[CUSTOMER_HEADER]  # ours only: no id of ours leaves with the mail
        where = f"{self.host}:{self.port}"
        try:
            smtp = self._connect()
            try:
                if self.starttls:
                    smtp.starttls(context=self._context())
                if self.username is not None:
                    smtp.login(self.username, self._password)
                refused = smtp.send_message(message)
            finally:
                _quit_quietly(smtp)
        except smtplib.SMTPAuthenticationError as error:
            raise MailDeliveryError(
                f"SMTP server {where} refused the login: "
                f"{error.smtp_code} {_text(error.smtp_error)}",
                permanent=True,
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise MailDeliveryError(
                f"SMTP server {where} refused every recipient: {_describe(error.recipients)}",
                permanent=_all_permanent(error.recipients),
            ) from None
        except smtplib.SMTPResponseException as error:
            raise MailDeliveryError(
                f"SMTP server {where} answered {error.smtp_code} {_text(error.smtp_error)}",
                permanent=500 <= error.smtp_code < 600,
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            raise MailDeliveryError(
                f"SMTP server {where} does not support what the URL asks for:"
                f" {_without_addresses(str(error))}",
                permanent=True,
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            # OSError covers refused connections, DNS failures, timeouts and
            # TLS errors (ssl.SSLError is an OSError).
            raise MailDeliveryError(
                f"could not send mail via SMTP server {where}: {type(error).__name__}:"
                f" {_without_addresses(str(error))}"
            ) from None
        if refused:
            # The other recipients have the message: marked permanent so the
            # job is not retried, which would send it to them again.
            raise MailDeliveryError(
                f"SMTP server {where} refused some recipients: {_describe(refused)}",
                permanent=True,
            )

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._context(),
            )
        return smtplib.SMTP(
            self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
        )

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()


class OutboxMailer:
    """Writes each message as an `.eml` file into a folder instead of sending it.

    For development and installations without a mail server: the files can be
    opened with any mail client. Names start with a sortable UTC timestamp
    followed by a hash of the Message-ID, so `ls` lists them in sending order
    and a message sent twice is recognisable.
    """

    def __init__(self, folder: Path, from_address: str) -> None:
        self.folder = folder
        self.from_address = from_address

    def __repr__(self) -> str:
        return f"OutboxMailer({str(self.folder)!r})"

    def send(self, message: EmailMessage) -> None:
        """Write `message` to the outbox, setting `From` if missing.

        Raises `MailDeliveryError` when the folder cannot be written.
        """
        _ensure_from(message, self.from_address)
        data = message.as_bytes()
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        message_id = message.get("Message-ID")
        identity = str(message_id).encode() if message_id else data
        digest = hashlib.sha256(identity).hexdigest()[:16]
        customer = _customer_of(message)
        about = f"-{customer.hex}" if customer else ""
        final = self.folder / f"{stamp}-{digest}{about}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # The dot prefix and .tmp suffix keep half-written files out of
            # anyone's `*.eml` glob; the rename makes the file appear whole.
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, final)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise MailDeliveryError(
                f"could not write mail to outbox {self.folder}: {error}"
            ) from error

    def forget_customer(self, customer_id: UUID) -> int:
        """Delete every kept mail about the customer (erasure)."""
        removed = 0
        for path in self.folder.glob(f"*-{customer_id.hex}.eml"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def _customer_of(message: EmailMessage) -> UUID | None:
    value = message.get(CUSTOMER_HEADER)
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def mailer_from_settings(smtp_url: str | None, data_dir: Path, from_address: str) -> Mailer:
    """The SMTP mailer when a URL is configured, else an outbox in `data_dir/outbox`."""
    if smtp_url:
        return SmtpMailer(smtp_url, from_address)
    return OutboxMailer(data_dir / "outbox", from_address)


def _ensure_from(message: EmailMessage, from_address: str) -> None:
    """`From` is the configured sender unless the message has one; a sender name asked
    for (`SENDER_NAME_HEADER`) goes before the configured address, encoded as headers
    need it (the name was checked for line breaks and control characters)."""
    name = message.get(SENDER_NAME_HEADER)
    del message[SENDER_NAME_HEADER]
    if "From" in message:
        return
    address = parseaddr(from_address)[1]
    if name and address:
        message["From"] = Address(display_name=str(name), addr_spec=address)
    else:
        message["From"] = from_address


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # Once the server has accepted the message, a failing QUIT must not turn
    # into an error: the job would be retried and the mail sent twice.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def _parse_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"SMTP URL option {name}={value!r} is neither true nor false")


#: Anything with an @ in it, up to the brackets, quotes and separators around it.
_ADDRESS = re.compile(r"[^\s<>\"'(),;\[\]]*@[^\s<>\"'(),;\[\]]*")


def _without_addresses(text: str) -> str:
    """A server's words with every address left out: servers echo the recipient, and
    these texts are logged, kept with the job and shown to staff."""
    return _ADDRESS.sub("[Adresse]", text)


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return _without_addresses(text)


def _describe(refused: dict[str, tuple[int, bytes]]) -> str:
    """The refusals by their reply codes, never by whom they refused."""
    replies = [f"{code} {_text(reply)}" for code, reply in refused.values()]
    counted = ", ".join(sorted(set(replies)))
    return f"{len(refused)} of them ({counted})" if len(refused) > 1 else counted


def _all_permanent(refused: dict[str, tuple[int, bytes]]) -> bool:
    return bool(refused) and all(500 <= code < 600 for code, _ in refused.values())
