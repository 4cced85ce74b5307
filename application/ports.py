"""What the application needs from the outside world, as protocols.

The infrastructure layer provides the implementations (files on disk or an S3
bucket, SMTP or an outbox folder); the application and the interfaces only see
these shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol, runtime_checkable
from uuid import UUID

from application.error_text import ErrorWithoutPersonalData


class ObjectWriter(Protocol):
    """Receives one object's bytes in order; nothing is visible until `commit`."""

    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> None:
        """Make the written bytes readable under the writer's key."""

    def abort(self) -> None:
        """Throw away everything written so far; safe to call more than once."""


class FileStore(Protocol):
    """Bytes of received and sent files, addressed by key."""

    def writer(self, key: str) -> ObjectWriter: ...

    def promote(self, temporary_key: str, final_key: str) -> None:
        """Move a committed object to its final key (idempotent once done)."""

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """Stream an object's bytes; raises `ObjectMissing` when there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing object is not an error."""

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Keys below a prefix with their last-modified time (UTC)."""

    def remove_abandoned(self, before: datetime) -> int:
        """Remove what writers left that neither committed nor aborted (a killed process)
        and that saw no write since `before`: staging files on disk, unfinished multipart
        uploads in a bucket. Returns how many were removed."""

    def check(self) -> None:
        """Raise if the store cannot be reached (used by `/ready`)."""


@runtime_checkable
class CustomerFileStores(Protocol):
    """A file store that keeps each customer's files under that customer's key."""

    def for_customer(self, customer_id: UUID) -> FileStore:
        """The store as this customer's files see it (writes and reads go through here)."""


class ObjectMissing(Exception):
    """The store holds no object under the key asked for."""


class FileCorrupted(Exception):
    """A stored object does not authenticate: truncated, reordered or altered bytes.

    Raised before a byte of the damaged part is handed out.
    """


#: Names the customer a mail is about, so that erasing the customer can find its copies.
#: Kept in the outbox's copy; never sent to a mail server.
CUSTOMER_HEADER = "X-Docintake-Customer"

#: The display name to put before the mailer's sender address in `From` (the
#: organisation's, in client mails). The mailer turns it into `From` and removes it.
SENDER_NAME_HEADER = "X-Docintake-Sender-Name"


@runtime_checkable
class MailArchive(Protocol):
    """A mailer that keeps copies of what it sent (the outbox folder)."""

    def forget_customer(self, customer_id: UUID) -> int:
        """Delete every kept mail about this customer; returns how many."""


class Mailer(Protocol):
    """Delivers a finished e-mail message, or raises `MailNotDelivered`."""

    def send(self, message: EmailMessage) -> None: ...


class MailNotDelivered(ErrorWithoutPersonalData):
    """The mail server (or outbox) did not take a message.

    `permanent` is true when trying again would only repeat the refusal (an
    unknown recipient, a failed login); jobs then give up at once. The message
    names no recipient and quotes nothing a server said about one (reply codes
    only, addresses left out): it is logged, kept with the job and shown to staff.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
