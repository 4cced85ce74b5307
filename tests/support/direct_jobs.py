"""Jobs run directly (no broker, no worker) on a real event store and database: an office
signed up on the test's services, and a worker's handlers with a clock the test moves and a
mailer that keeps what it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

from application.jobs.handlers import JobHandlers
from application.ports import MailNotDelivered
from application.principal import Principal
from infrastructure.bootstrap import Services
from tests.support.api import PASSWORD


@dataclass
class RecordingMailer:
    """Keeps what it is given; `refuse` makes the next sends fail as given."""

    sent: list[EmailMessage] = field(default_factory=list)
    refuse: list[MailNotDelivered] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        if self.refuse:
            raise self.refuse.pop(0)
        self.sent.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.sent if m["To"] == address]


class Clock:
    """Now, until the test sets `now`."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def signed_up_owner(
    services: Services, organization_name: str, owner_name: str = "Olga"
) -> tuple[Principal, str]:
    """The owner of a new team organisation on `services` (read models prepared), signed in,
    and the owner's address."""
    services.prepare_read_models()
    email = f"owner-{uuid4().hex[:8]}@example.com"
    accounts = services.app.accounts
    signed = accounts.sign_up(organization_name, email, PASSWORD, "team", name=owner_name)
    return accounts.authenticate(signed.token), email


def job_handlers(
    services: Services, mailer: RecordingMailer, clock: Clock, **options: Any
) -> JobHandlers:
    """A worker's handlers on `services`: call again for another worker, or for this one
    after a restart (same stores, nothing in memory shared)."""
    return JobHandlers(
        services.app,
        services.jobs.state,
        mailer,
        services.jobs.locks,
        digest_window=timedelta(minutes=5),
        clock=clock,
        **options,
    )
