"""The virus scan of one received file: a job made from its `FileUploaded`.

While scanning is required a file is recorded `pending`; this job streams its
decrypted bytes to the scanner and records `FileFoundClean` or `FileQuarantined`
(with the signature's name). A scanner that cannot be reached (or storage that
cannot be read) makes the job retry with back-off; after its last retry
`FileScanFailed` is recorded once ("Prüfung fehlgeschlagen") and the job keeps
coming back, at the longest back-off, until the scanner answers. A file is never
let through unscanned: until then downloads answer `file_not_scanned`, and an
infected file `file_infected`. Running twice is harmless: a file no longer
waiting for a scan is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from application.error_text import error_summary
from application.errors import Erased
from application.jobs.context import JobContext
from application.jobs.kinds import Job
from application.virus_scanning import ScannerUnavailable, VirusScanner
from domain.customer import Customer
from domain.received_file import ReceivedFile

log = logging.getLogger(__name__)


class VirusScanJob:
    """Runs the scan job of one file and records its outcome."""

    def __init__(
        self, context: JobContext, scanner: VirusScanner | None, come_back_after: timedelta
    ) -> None:
        self.app = context.app
        self.clock = context.clock
        self.scanner = scanner
        self.come_back_after = come_back_after

    def run(self, job: Job, final_attempt: bool) -> datetime | None:
        return self.scan_file(UUID(job.args["file_id"]), final_attempt=final_attempt)

    def scan_file(self, file_id: UUID, *, final_attempt: bool = False) -> datetime | None:
        """Scan one file. Returns when to try again (None: done); raises to be retried."""
        received = self._awaiting(file_id)
        if received is None:
            return None
        try:
            if self.scanner is None:
                raise ScannerUnavailable("no virus scanner is configured (DOCINTAKE_CLAMD_URL)")
            content = self.app.files.read_object(received.customer_id, received.object_key)
            verdict = self.scanner.scan(content)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            if not final_attempt:
                raise
            log.warning(
                "scan of file %s failed, trying again later: %s", file_id, error_summary(error)
            )
            self._record(file_id, lambda file: file.scan_failed(reason))
            return self.clock() + self.come_back_after
        if verdict.signature is not None:
            signature = verdict.signature
            log.warning("file %s quarantined: %s", file_id, signature)
            self._record(file_id, lambda file: file.quarantine(signature))
        else:
            self._record(file_id, lambda file: file.found_clean())
        return None

    def _awaiting(self, file_id: UUID) -> ReceivedFile | None:
        """The file if it still waits for a scan (not deleted, customer not erased)."""
        try:
            received = self.app.load(file_id, ReceivedFile)
            customer = self.app.load(received.customer_id, Customer)
        except Erased:
            return None
        if customer.deleted or not received.awaits_scan:
            return None
        return received

    def _record(self, file_id: UUID, change: Callable[[ReceivedFile], bool]) -> None:
        def attempt() -> None:
            received = self._awaiting(file_id)
            if received is not None and change(received):
                self.app.record(received)

        self.app.retrying(attempt)
