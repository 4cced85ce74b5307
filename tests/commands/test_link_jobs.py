"""The upload links' jobs. The link mail job: staff ask for a link to be mailed
(`links.request_send`), the job mails it once and records `UploadLinkSent`, or
`UploadLinkSendFailed` for staff to see. The expiry job records `UploadLinkExpired`.

The job tables are faked by what these jobs use of them: the outcome per job, one lock per
job (`deliver_once`), the links due to expire; the real ones are tested in
tests/integration/jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from uuid import UUID

import pytest

from application.docintake import DocIntake
from application.jobs.context import JobContext
from application.jobs.kinds import send_link_job
from application.jobs.link_expiry_job import LinkExpiryJob
from application.jobs.link_mail_job import LinkMailJob
from application.jobs.ports import JobOutcome
from application.ports import MailNotDelivered
from application.principal import Principal
from domain.upload_link import UploadLink
from tests.support.memory import MemoryMailer

ADDRESS = "clara.mueller@example.com"


class MemoryJobState:
    """The first outcome of each job stays (as the job table's); `expiring` are the links
    the policy found past their expiry (until marked)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, JobOutcome] = {}
        self.expiring: list[UUID] = []

    def links_expired_by(self, now: datetime, limit: int) -> list[UUID]:
        return self.expiring[:limit]

    def expiry_marked(self, link_id: UUID) -> None:
        self.expiring.remove(link_id)

    def outcome(self, key: str) -> JobOutcome | None:
        return self.outcomes.get(key)

    def record_outcome(
        self, key: str, kind: str, outcome: str, at: datetime, detail: str | None = None
    ) -> None:
        self.outcomes.setdefault(key, JobOutcome(outcome, detail))


class MemoryJobLocks:
    def __init__(self) -> None:
        self.held: set[str] = set()

    @contextmanager
    def exclusive(self, key: str) -> Iterator[bool]:
        if key in self.held:
            yield False
            return
        self.held.add(key)
        try:
            yield True
        finally:
            self.held.discard(key)


class RefusingMailer(MemoryMailer):
    def __init__(self) -> None:
        super().__init__()
        self.refusal: MailNotDelivered | None = None

    def send(self, message: EmailMessage) -> None:
        if self.refusal is not None:
            raise self.refusal
        super().send(message)


@pytest.fixture
def mailer() -> RefusingMailer:
    return RefusingMailer()


@pytest.fixture
def locks() -> MemoryJobLocks:
    return MemoryJobLocks()


@pytest.fixture
def state() -> MemoryJobState:
    return MemoryJobState()


@pytest.fixture
def job(
    app: DocIntake, state: MemoryJobState, mailer: RefusingMailer, locks: MemoryJobLocks
) -> LinkMailJob:
    return LinkMailJob(JobContext(app, state, mailer, locks))  # type: ignore[arg-type]


def requested(app: DocIntake, owner: Principal, title: str = "Steuer 2024 – Belege") -> UploadLink:
    customer_id = app.customers.create(owner, "Clara Müller", ADDRESS).id
    link_id = app.links.create(owner, customer_id, title=title).id
    app.links.request_send(owner, link_id, None, "Bitte bis Freitag 🙏")
    return app.load(link_id, UploadLink)


def kinds(app: DocIntake, link: UploadLink) -> list[str]:
    return [type(e).__name__ for e in app.events.get(link.id)]


def test_the_link_is_mailed_once_and_recorded_sent(
    app: DocIntake, owner: Principal, job: LinkMailJob, mailer: RefusingMailer
) -> None:
    link = requested(app, owner)
    assert job.send(link.id, link.version) == "sent"
    (mail,) = mailer.sent
    assert mail["To"] == ADDRESS
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert app.links.url(link) in text and "Bitte bis Freitag 🙏" in text
    # Run again (a redelivered job): no second mail, no second event.
    assert job.send(link.id, link.version) == "sent"
    assert len(mailer.sent) == 1
    assert kinds(app, link).count("UploadLinkSent") == 1


def test_a_refused_recipient_fails_at_once_a_flaky_server_only_at_the_last_attempt(
    app: DocIntake, owner: Principal, job: LinkMailJob, mailer: RefusingMailer
) -> None:
    refused = requested(app, owner)
    mailer.refusal = MailNotDelivered("550 recipient unknown", permanent=True)
    assert job.send(refused.id, refused.version) == "failed"
    assert "UploadLinkSendFailed" in kinds(app, refused)
    flaky = requested(app, owner, "Nochmal")
    mailer.refusal = MailNotDelivered("421 try again later")
    with pytest.raises(MailNotDelivered):
        job.send(flaky.id, flaky.version)
    assert "UploadLinkSendFailed" not in kinds(app, flaky)
    assert job.send(flaky.id, flaky.version, final_attempt=True) == "failed"
    assert kinds(app, flaky).count("UploadLinkSendFailed") == 1
    assert mailer.sent == []


def test_a_link_revoked_before_its_mail_went_out_is_not_mailed(
    app: DocIntake, owner: Principal, job: LinkMailJob, mailer: RefusingMailer
) -> None:
    link = requested(app, owner)
    app.links.revoke(owner, link.id)
    assert job.send(link.id, link.version) == "failed"
    assert mailer.sent == [] and "UploadLinkSendFailed" in kinds(app, link)


def test_one_worker_at_a_time_on_a_job(
    app: DocIntake,
    owner: Principal,
    job: LinkMailJob,
    mailer: RefusingMailer,
    locks: MemoryJobLocks,
) -> None:
    link = requested(app, owner)
    with locks.exclusive(send_link_job(link.id, link.version).key) as held:
        assert held
        # Another worker is on it: this one neither mails nor records.
        assert job.send(link.id, link.version) is None
    assert mailer.sent == [] and "UploadLinkSent" not in kinds(app, link)
    assert job.send(link.id, link.version) == "sent"


def test_links_past_their_expiry_are_marked_once(
    app: DocIntake, owner: Principal, state: MemoryJobState, mailer: RefusingMailer
) -> None:
    now = datetime.now(UTC)
    soon = now + timedelta(hours=1)
    customer_id = app.customers.create(owner, "Clara Müller").id
    expired, gone = (
        app.links.create(owner, customer_id, expires_at=soon).id,
        app.links.create(owner, app.customers.create(owner, "Weg").id, expires_at=soon).id,
    )
    app.customers.delete(owner, app.load(gone, UploadLink).customer_id)
    state.expiring = [expired, gone]
    a_day_later = soon + timedelta(days=1)
    later = JobContext(app, state, mailer, MemoryJobLocks(), clock=lambda: a_day_later)  # type: ignore[arg-type]
    # A deleted customer's link is left alone; every link is taken off the list.
    assert LinkExpiryJob(later).expire_due() == 1
    assert state.expiring == []
    assert app.load(expired, UploadLink).status(a_day_later) == "expired"
    assert "UploadLinkExpired" in kinds(app, app.load(expired, UploadLink))
    # Found again (a policy replay): recorded once.
    state.expiring = [expired]
    assert LinkExpiryJob(later).expire_due() == 0
    assert kinds(app, app.load(expired, UploadLink)).count("UploadLinkExpired") == 1
