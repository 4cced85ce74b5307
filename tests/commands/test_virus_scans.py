"""The virus scan of a received file records its result: clean, quarantined, or failed
(and tried again until the scanner answers); a file is never handed out unscanned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from application.docintake import DocIntake
from application.jobs.context import JobContext
from application.jobs.virus_scan_job import VirusScanJob
from application.principal import Principal
from application.virus_scanning import ScannerUnavailable, ScanVerdict
from domain.received_file import FileInfected, FileNotScanned, ReceivedFile, ScanState
from tests.commands.test_uploads import PDF, new_link, received_files
from tests.support.memory import memory_app

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
NOW = datetime(2025, 1, 24, 14, 30, tzinfo=UTC)
COME_BACK = timedelta(minutes=30)


class MemoryScanner:
    """Finds the EICAR test string; `answering` off, it is a scanner that cannot be
    reached."""

    def __init__(self) -> None:
        self.answering = True
        self.scanned: list[bytes] = []

    def scan(self, content: Iterator[bytes]) -> ScanVerdict:
        if not self.answering:
            raise ScannerUnavailable("clamd does not answer")
        data = b"".join(content)
        self.scanned.append(data)
        return ScanVerdict("Eicar-Test-Signature" if EICAR in data else None)

    def check(self) -> None:
        return None


@pytest.fixture
def app() -> Iterator[DocIntake]:
    application = memory_app(initial_scan_state=ScanState.PENDING.value)
    yield application
    application.close()


@pytest.fixture
def scanner() -> MemoryScanner:
    return MemoryScanner()


@pytest.fixture
def scan(app: DocIntake, scanner: MemoryScanner) -> VirusScanJob:
    # The scan uses the application and the clock only (no job state, no locks).
    context = JobContext(app, state=None, mailer=app.mailer, locks=None, clock=lambda: NOW)  # type: ignore[arg-type]
    return VirusScanJob(context, scanner, COME_BACK)


def uploaded(app: DocIntake, owner: Principal, content: bytes = PDF) -> ReceivedFile:
    link = new_link(app, owner)
    app.uploads.receive(link, "Müller.pdf", [content])
    (received,) = received_files(app, link)
    return received


def state(app: DocIntake, received: ReceivedFile) -> str:
    return app.load(received.id, ReceivedFile).scan_state


def test_a_clean_file_is_handed_out_only_after_its_scan(
    app: DocIntake, owner: Principal, scan: VirusScanJob, scanner: MemoryScanner
) -> None:
    received = uploaded(app, owner)
    assert received.scan_state == ScanState.PENDING
    with pytest.raises(FileNotScanned):
        app.files.content(owner, received.id)
    assert scan.scan_file(received.id) is None
    assert scanner.scanned == [PDF]
    assert state(app, received) == ScanState.CLEAN
    _, content = app.files.content(owner, received.id)
    assert b"".join(content) == PDF


def test_an_infected_file_is_quarantined_once(
    app: DocIntake, owner: Principal, scan: VirusScanJob
) -> None:
    received = uploaded(app, owner, b"%PDF-1.4\n" + EICAR)
    scan.scan_file(received.id)
    quarantined = app.load(received.id, ReceivedFile)
    assert (quarantined.scan_state, quarantined.scan_signature) == (
        ScanState.INFECTED,
        "Eicar-Test-Signature",
    )
    with pytest.raises(FileInfected):
        app.files.content(owner, received.id)
    # Running again is harmless: the file no longer waits for a scan.
    position = app.head()
    assert scan.scan_file(received.id) is None
    assert app.head() == position


def test_an_unreachable_scanner_is_retried_and_fails_once_at_the_last_attempt(
    app: DocIntake, owner: Principal, scan: VirusScanJob, scanner: MemoryScanner
) -> None:
    received = uploaded(app, owner)
    scanner.answering = False
    position = app.head()
    with pytest.raises(ScannerUnavailable):
        scan.scan_file(received.id)
    assert app.head() == position and state(app, received) == ScanState.PENDING
    assert scan.scan_file(received.id, final_attempt=True) == NOW + COME_BACK
    assert state(app, received) == ScanState.FAILED
    failed_at = app.head()
    # It keeps coming back; a failure again records nothing new.
    assert scan.scan_file(received.id, final_attempt=True) == NOW + COME_BACK
    assert app.head() == failed_at
    with pytest.raises(FileNotScanned):
        app.files.content(owner, received.id)
    scanner.answering = True
    assert scan.scan_file(received.id) is None
    assert state(app, received) == ScanState.CLEAN


def test_a_deleted_file_or_customer_is_not_scanned(
    app: DocIntake, owner: Principal, scan: VirusScanJob, scanner: MemoryScanner
) -> None:
    gone_file, gone_customer = uploaded(app, owner), uploaded(app, owner)
    app.files.delete(owner, gone_file.id)
    app.customers.delete(owner, gone_customer.customer_id)
    position = app.head()
    for received in (gone_file, gone_customer):
        assert scan.scan_file(received.id) is None
    assert scanner.scanned == [] and app.head() == position
