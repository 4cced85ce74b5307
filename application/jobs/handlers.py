"""What each kind of background job does: a table from job kind to its handler.

A broker or the embedded queue only decides when a job runs and how often it
is retried; the effect lives in the handlers, so it is tested without either.
Every job may run more than once, even twice at the same time (a redelivered
message, a policy that queued it again after a crash), and has its effect once:
each handler's module says how. A job that finds its lock taken comes back a
moment later.

A new kind of job: add it to `JobKind`, write its handler (a callable
`(job, final_attempt) -> when to run again or None`, raising to be retried) and
add it to the table below; if an event makes it, teach `JobPolicy` that event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from application.jobs.context import JobContext, utc_now
from application.jobs.kinds import Job, JobKind
from application.jobs.link_expiry_job import LinkExpiryJob
from application.jobs.link_mail_job import LinkMailJob
from application.jobs.ports import JobLocks, JobState
from application.jobs.reminder_job import ReminderJob
from application.jobs.retention_job import RetentionJob
from application.jobs.upload_notice_job import UploadNoticeJob
from application.jobs.virus_scan_job import VirusScanJob
from application.ports import Mailer
from application.resumable_uploads import ResumableUploads
from application.virus_scanning import VirusScanner
from application.webhook_delivery import WebhookDelivery
from projections.retention import RetentionView

if TYPE_CHECKING:
    from application.docintake import DocIntake

#: Runs one job: (job, final attempt?) -> when to run it again, or None when finished.
JobHandler = Callable[[Job, bool], datetime | None]


class JobHandlers:
    """Runs jobs by their kind: link mails, upload notices, expiry marking, the storage sweep,
    reminders, retention."""

    def __init__(
        self,
        app: DocIntake,
        state: JobState,
        mailer: Mailer,
        locks: JobLocks,
        *,
        digest_window: timedelta,
        clock: Callable[[], datetime] = utc_now,
        webhooks: WebhookDelivery | None = None,
        scanner: VirusScanner | None = None,
        scan_come_back_after: timedelta = timedelta(minutes=5),
        resumable: ResumableUploads | None = None,
        retention: RetentionView | None = None,
    ) -> None:
        self.app = app
        self.resumable = resumable
        context = JobContext(app, state, mailer, locks, clock)
        self.link_mails = LinkMailJob(context)
        self.upload_notices = UploadNoticeJob(context, digest_window)
        self.link_expiry = LinkExpiryJob(context)
        self.virus_scans = VirusScanJob(context, scanner, scan_come_back_after)
        self.reminders = ReminderJob(context)
        self.retention = RetentionJob(context, retention)
        self.table: Mapping[JobKind, JobHandler] = {
            JobKind.SEND_LINK: self.link_mails.run,
            JobKind.NOTIFY_UPLOAD: self.upload_notices.run,
            JobKind.DELIVER_NOTICES: self.upload_notices.run_periodic,
            JobKind.EXPIRE_LINKS: self.link_expiry.run,
            JobKind.SWEEP_STORAGE: self.sweep_storage,
            JobKind.SCAN_FILE: self.virus_scans.run,
            JobKind.SCHEDULE_REMINDERS: self.reminders.run_schedule,
            JobKind.SEND_REMINDER: self.reminders.run_send,
            JobKind.APPLY_RETENTION: self.retention.run,
        }
        if webhooks is not None:
            self.table = {**self.table, JobKind.DELIVER_WEBHOOK: webhooks.run}

    def run(self, job: Job, *, final_attempt: bool = False) -> datetime | None:
        """Do `job`. Returns when it wants to run again (None: finished); raises to be retried.

        On its `final_attempt` a link mail that still fails is recorded as failed
        instead of raising.
        """
        return self.table[job.kind](job, final_attempt)

    def sweep_storage(self, job: Job, final_attempt: bool) -> None:
        """Finish or remove what interrupted uploads left in storage."""
        self.app.storage.sweep()
        if self.resumable is not None:
            self.resumable.sweep()
