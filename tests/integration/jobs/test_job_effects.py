"""What jobs do, run directly (no broker, no worker) on a real event store and database:
each has its effect once however often it runs, and the expiry and digest rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from application.jobs.context import BUSY_RETRY
from application.jobs.handlers import JobHandlers
from application.jobs.kinds import JobKind, notify_upload_job, send_link_job
from application.ports import MailNotDelivered
from application.principal import Principal
from application.staging import StoredUpload
from domain.upload_link import UploadLink
from infrastructure.bootstrap import Services
from projections.projector import Projector
from tests.support.api import PASSWORD
from tests.support.direct_jobs import Clock, RecordingMailer, job_handlers, signed_up_owner


@dataclass
class World:
    services: Services
    owner: Principal
    owner_email: str
    customer_id: UUID
    link_id: UUID
    mailer: RecordingMailer
    clock: Clock
    jobs: JobHandlers

    @property
    def policy(self) -> Projector:
        [policy] = [p for p in self.services.policies if p.name == "jobs"]
        return policy

    def events(self, aggregate_id: UUID) -> list[str]:
        return [type(e).__name__ for e in self.services.app.events.get(aggregate_id)]

    def request_send(self) -> int:
        """Ask for the link mail; returns the version of the request event."""
        self.services.app.links.request_send(self.owner, self.link_id, None, "Bitte hochladen.")
        return int(self.services.app.load(self.link_id, UploadLink).version)

    def upload(self, name: str) -> UUID:
        file_id = uuid4()
        upload = StoredUpload(
            file_id, f"incoming/{file_id}", name, 1234, "0" * 64, "application/pdf"
        )
        self.services.app.uploads.record(
            self.link_id, [upload], item_id=None, uploader_name="Clara", uploader_email=None
        )
        return file_id


@pytest.fixture
def world(make_services: Callable[..., Services]) -> Iterator[World]:
    services = make_services()
    owner, email = signed_up_owner(services, "Kanzlei Einmal", "Olga Owner")
    customer = services.app.customers.create(owner, "Clara Client", "clara@example.com")
    link = services.app.links.create(owner, customer.id, title="Belege")
    mailer, clock = RecordingMailer(), Clock()
    jobs = job_handlers(services, mailer, clock)
    yield World(services, owner, email, customer.id, link.id, mailer, clock, jobs)


def test_a_link_mail_job_run_twice_mails_once(world: World) -> None:
    version = world.request_send()
    job = send_link_job(world.link_id, version)

    assert world.jobs.run(job) is None
    world.jobs.run(job)

    assert len(world.mailer.to("clara@example.com")) == 1
    assert world.events(world.link_id).count("UploadLinkSent") == 1


def test_a_mail_sent_just_before_a_crash_is_not_sent_again(world: World) -> None:
    version = world.request_send()
    job = send_link_job(world.link_id, version)
    # The mail server took it and the outcome was written; the worker died before the
    # event was recorded. The redelivered job only records the event.
    world.services.jobs.state.record_outcome(job.key, JobKind.SEND_LINK, "sent", world.clock())

    world.jobs.run(job)

    assert world.mailer.sent == []
    assert world.events(world.link_id).count("UploadLinkSent") == 1


def test_a_refused_recipient_fails_at_once_and_a_flaky_server_only_at_the_end(
    world: World,
) -> None:
    refused = world.request_send()
    world.mailer.refuse = [MailNotDelivered("550 no such user", permanent=True)]
    assert world.jobs.link_mails.send(world.link_id, refused) == "failed"

    flaky = world.request_send()
    world.mailer.refuse = [MailNotDelivered("421 try later"), MailNotDelivered("421 again")]
    with pytest.raises(MailNotDelivered):
        world.jobs.link_mails.send(world.link_id, flaky)
    assert world.jobs.link_mails.send(world.link_id, flaky, final_attempt=True) == "failed"

    events = list(world.services.app.events.get(world.link_id))
    failures = [e for e in events if isinstance(e, UploadLink.UploadLinkSendFailed)]
    assert [f.reason for f in failures] == ["550 no such user", "421 again"]
    assert world.mailer.sent == []


def test_a_link_revoked_before_its_mail_went_out_is_not_mailed(world: World) -> None:
    version = world.request_send()
    world.services.app.links.revoke(world.owner, world.link_id)

    assert world.jobs.link_mails.send(world.link_id, version) == "failed"

    assert world.mailer.sent == []
    [failure] = [
        e
        for e in world.services.app.events.get(world.link_id)
        if isinstance(e, UploadLink.UploadLinkSendFailed)
    ]
    assert failure.reason == "the link is revoked"


def test_uploads_within_the_window_wait_for_one_digest(world: World) -> None:
    first = world.upload("erste.pdf")
    assert world.jobs.run(notify_upload_job(first)) is None
    assert len(world.mailer.to(world.owner_email)) == 1

    world.clock.now += timedelta(seconds=10)
    second, third = world.upload("zweite.pdf"), world.upload("dritte.pdf")
    due = world.jobs.run(notify_upload_job(second))
    # The window runs from the first digest; the wake-up is asked for once.
    assert due == world.clock.now - timedelta(seconds=10) + timedelta(minutes=5)
    assert world.jobs.run(notify_upload_job(third)) is None
    assert len(world.mailer.to(world.owner_email)) == 1

    world.clock.now = due
    assert world.jobs.run(notify_upload_job(third)) is None
    notices = world.mailer.to(world.owner_email)
    assert len(notices) == 2
    assert notices[1]["Subject"] == "2 neue Dateien für Clara Client"

    # Every job again, as a broker might deliver them: nothing new.
    for file_id in (first, second, third):
        world.jobs.run(notify_upload_job(file_id))
    assert world.jobs.upload_notices.deliver_due() == 0
    assert len(world.mailer.sent) == 2


def test_one_worker_at_a_time_on_a_job_and_on_a_links_notices(world: World) -> None:
    version = world.request_send()
    file_id = world.upload("beleg.pdf")
    locks = world.services.jobs.locks
    # Another worker holds the locks (here: this test); the jobs come back a moment later.
    with (
        locks.exclusive(send_link_job(world.link_id, version).key) as mail_held,
        locks.exclusive(f"upload_notices:{world.link_id}") as notices_held,
    ):
        assert mail_held and notices_held
        assert world.jobs.run(send_link_job(world.link_id, version)) == world.clock.now + BUSY_RETRY
        assert world.jobs.run(notify_upload_job(file_id)) == world.clock.now + BUSY_RETRY
        assert world.mailer.sent == []
    assert world.jobs.run(send_link_job(world.link_id, version)) is None
    assert world.jobs.run(notify_upload_job(file_id)) is None
    assert len(world.mailer.to("clara@example.com")) == 1
    assert len(world.mailer.to(world.owner_email)) == 1


def test_a_digest_whose_mail_failed_is_delivered_by_the_next_run(world: World) -> None:
    file_id = world.upload("beleg.pdf")
    world.mailer.refuse = [MailNotDelivered("connection reset")]
    with pytest.raises(MailNotDelivered):
        world.jobs.run(notify_upload_job(file_id))
    # The retry (or the periodic job) delivers the digest cut before.
    assert world.jobs.upload_notices.deliver_due() == 1
    assert len(world.mailer.to(world.owner_email)) == 1
    assert world.jobs.upload_notices.deliver_due() == 0


def test_expired_links_are_marked_once(world: World) -> None:
    app = world.services.app
    short = app.links.create(
        world.owner, world.customer_id, expires_at=world.clock.now + timedelta(seconds=30)
    )
    revoked = app.links.create(
        world.owner, world.customer_id, expires_at=world.clock.now + timedelta(seconds=30)
    )
    app.links.revoke(world.owner, revoked.id)
    world.services.follower(world.policy).catch_up()

    assert world.jobs.link_expiry.expire_due() == 0
    world.clock.now += timedelta(seconds=31)
    assert world.jobs.link_expiry.expire_due() == 1
    assert world.jobs.link_expiry.expire_due() == 0

    assert world.events(short.id).count("UploadLinkExpired") == 1
    assert "UploadLinkExpired" not in world.events(revoked.id)
    assert "UploadLinkExpired" not in world.events(world.link_id)


def test_the_job_policy_starts_at_the_head_of_an_existing_log(
    make_services: Callable[..., Services],
) -> None:
    # History recorded before the policy ever ran (an upgrade): it must not mail anyone.
    services = make_services()
    app = services.app
    signed = app.accounts.sign_up(
        "Kanzlei Alt", f"alt-{uuid4().hex[:8]}@example.com", PASSWORD, "team"
    )
    owner = app.accounts.authenticate(signed.token)
    customer = app.customers.create(owner, "Alter Kunde", "alt@example.com")
    link = app.links.create(owner, customer.id)
    app.links.request_send(owner, link.id, None, None)

    services.prepare_read_models()
    [policy] = [p for p in services.policies if p.name == "jobs"]
    assert services.follower(policy).position() == app.head()
    assert {c.kind: c.queued for c in services.job_status()}["send_link"] == 0


def test_a_file_taken_back_before_the_digest_is_not_told_of(world: World) -> None:
    first = world.upload("erste.pdf")
    assert world.jobs.run(notify_upload_job(first)) is None
    world.clock.now += timedelta(seconds=10)
    app = world.services.app
    kept = world.upload("Kündigung – 2024.pdf")
    mistake = uuid4()
    recorded = app.uploads.record(
        world.link_id,
        [
            StoredUpload(
                mistake, f"incoming/{mistake}", "Müller.pdf", 99, "0" * 64, "application/pdf"
            )
        ],
        item_id=None,
        uploader_name="Clara",
        uploader_email=None,
    )
    due = world.jobs.run(notify_upload_job(kept))
    world.jobs.run(notify_upload_job(mistake))
    token = app.load(world.link_id, UploadLink).token
    app.uploads.take_back(token, None, "203.0.113.7", mistake, recorded.removal_keys[mistake])

    assert due is not None
    world.clock.now = due
    world.jobs.upload_notices.deliver_due()
    notices = world.mailer.to(world.owner_email)
    assert len(notices) == 2
    assert notices[1]["Subject"] == "Neue Datei für Clara Client"
    body = notices[1].get_body(("plain",))
    assert body is not None
    assert "Kündigung – 2024.pdf" in body.get_content()
    assert "Müller.pdf" not in body.get_content()
