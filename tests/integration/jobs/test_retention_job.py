"""Retention with a controllable clock, on both backends: files go N days after their customer
was set complete and M days after their link expired, not a minute early; a customer set
back from complete keeps them; each file is deleted once however many workers run the job
at the same time or after a restart; the bytes go with it and the history says why."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from application.jobs.handlers import JobHandlers
from application.principal import Principal
from application.storage_keys import file_key
from domain.customer import Customer
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from domain.values import CustomerStatus
from infrastructure.bootstrap import Services
from projections.retention import RetentionSchedule
from tests.support.direct_jobs import Clock, RecordingMailer, job_handlers, signed_up_owner

MINUTE = timedelta(minutes=1)


@dataclass
class Office:
    services: Services
    owner: Principal
    clock: Clock

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.services.app

    def handlers(self) -> JobHandlers:
        """A worker (another one, or this one after a restart): its own handlers."""
        return job_handlers(
            self.services, RecordingMailer(), self.clock, retention=self.services.retention
        )

    def catch_up(self, *names: str) -> None:
        followed = {p.name: p for p in [*self.services.projections, *self.services.policies]}
        for name in names or ("retention",):
            self.services.follower(followed[name]).catch_up()

    def customer_with_files(
        self, name: str, *files: str, expires_at: datetime | None = None
    ) -> tuple[UUID, UUID, list[UUID]]:
        customer = self.app.customers.create(self.owner, name, None, None)
        link = self.app.links.create(
            self.owner, customer.id, title="Unterlagen 2025", expires_at=expires_at
        )
        for filename in files:
            self.app.uploads.receive(
                self.app.load(link.id, UploadLink),
                filename,
                [b"%PDF-1.4\n" + filename.encode() * 500],
                uploader_name="Jürgen Müller",
            )
        received = [
            e.file_id
            for e in self.app.events.get(link.id)
            if isinstance(e, UploadLink.UploadReceived)
        ]
        return customer.id, link.id, received

    def set_complete(self, customer_id: UUID) -> datetime:
        self.app.customers.set_status(self.owner, customer_id, CustomerStatus.COMPLETE)
        return self.app.load(customer_id, Customer).modified_on

    def deleted(self, file_id: UUID) -> list[ReceivedFile.FileDeleted]:
        return [e for e in self.app.events.get(file_id) if isinstance(e, ReceivedFile.FileDeleted)]

    def schedule(self, customer_id: UUID) -> RetentionSchedule:
        self.catch_up()
        return self.services.retention.schedule(self.owner.organization_id, customer_id)


@pytest.fixture
def office(make_services: Callable[..., Services]) -> Iterator[Office]:
    services = make_services()
    owner, _ = signed_up_owner(services, "Kanzlei Aufbewahrung")
    yield Office(services, owner, Clock())


def test_files_go_n_days_after_complete_exactly_once_and_the_history_says_why(
    office: Office,
) -> None:
    app, owner = office.app, office.owner
    done, done_link, done_files = office.customer_with_files(
        "Jürgen Müller", "Kündigung – 2024.pdf", "Straße 😀.pdf"
    )
    back, _, back_files = office.customer_with_files("Zoë Weiß", "Müller.pdf")
    untouched, _, untouched_files = office.customer_with_files("Ohne Status", "Lohn.pdf")

    # Nothing happens while retention is off, however late.
    completed = office.set_complete(done)
    office.set_complete(back)
    office.catch_up()
    office.clock.now = completed + timedelta(days=400)
    assert office.handlers().retention.delete_due() == 0
    assert office.schedule(done).deletes_at(done_link) is None

    app.organization.change(owner, {"retention": {"delete_after_complete_days": 10}})
    # Set back from complete: nothing of it will go.
    app.customers.set_status(owner, back, CustomerStatus.PARTIAL)
    office.catch_up()
    assert office.schedule(done).deletes_at(done_link) == completed + timedelta(days=10)
    assert office.schedule(back).deletes_at(done_link) is None

    office.clock.now = completed + timedelta(days=10) - MINUTE
    assert office.handlers().retention.delete_due() == 0

    # Four workers at once, when the day has come: each file deleted once.
    office.clock.now = completed + timedelta(days=10) + MINUTE
    workers = [office.handlers() for _ in range(4)]
    barrier = threading.Barrier(len(workers))
    counts: list[int] = []

    def run(handlers: JobHandlers) -> None:
        barrier.wait()
        counts.append(handlers.retention.delete_due())

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 2
    for file_id in done_files:
        [deleted] = office.deleted(file_id)
        assert deleted.reason == "retention" and deleted.actor_id is None
    assert app.load(done_link, UploadLink).upload_count == 0
    for file_id in back_files + untouched_files:
        assert office.deleted(file_id) == []

    # A restarted worker, the read model caught up or not: nothing more.
    assert office.handlers().retention.delete_due() == 0
    office.catch_up("retention", "file_cleanup", "customer_activity")
    assert office.handlers().retention.delete_due() == 0

    # The bytes are gone (the cleanup policy), the history says why.
    store = app.customer_files(done)
    for file_id in done_files:
        assert not store.exists(file_key(file_id))
    texts = [item.summary for item in office.services.activity.page(done, lang="de").items]
    assert texts.count("Datei „Straße 😀.pdf“ automatisch gelöscht nach Aufbewahrungsfrist") == 1
    assert untouched


def test_files_of_expired_links_go_m_days_after_the_expiry(office: Office) -> None:
    app, owner = office.app, office.owner
    expires_at = datetime.now(UTC) + timedelta(days=2)
    customer, link, [file_id] = office.customer_with_files(
        "Kunde mit Link", "Kontoauszüge – Dezember.pdf", expires_at=expires_at
    )
    later = datetime.now(UTC) + timedelta(days=300)
    _, other_link, [kept] = office.customer_with_files("Später", "Müller.pdf", expires_at=later)
    extended, extended_link, [kept_longer] = office.customer_with_files(
        "Verlängert", "Straße.pdf", expires_at=expires_at
    )
    app.links.extend(owner, extended_link, expires_at + timedelta(days=60))
    app.organization.change(owner, {"retention": {"delete_after_link_expiry_days": 30}})
    office.catch_up()
    expiry = app.load(link, UploadLink).expires_at
    assert office.schedule(customer).deletes_at(link) == expiry + timedelta(days=30)
    new_expiry = app.load(extended_link, UploadLink).expires_at
    assert office.schedule(extended).deletes_at(extended_link) == new_expiry + timedelta(days=30)

    office.clock.now = expiry + timedelta(days=30) - MINUTE
    assert office.handlers().retention.delete_due() == 0
    office.clock.now = expiry + timedelta(days=30) + MINUTE
    assert office.handlers().retention.delete_due() == 1
    [deleted] = office.deleted(file_id)
    assert deleted.reason == "retention"
    assert office.deleted(kept) == []
    assert other_link
    # The extended link's files wait for its new expiry.
    assert office.deleted(kept_longer) == []
    office.clock.now = new_expiry + timedelta(days=30) + MINUTE
    assert office.handlers().retention.delete_due() == 1
    assert office.deleted(kept_longer) != []

    # Switched off again: nothing more goes.
    app.organization.change(owner, {"retention": {"delete_after_link_expiry_days": None}})
    office.catch_up()
    office.clock.now = later + timedelta(days=31)
    assert office.handlers().retention.delete_due() == 0
    assert office.deleted(kept) == []
