"""The retention job (periodic): delete received files whose retention period has ended.

An organisation may keep files only so long (`domain.retention`): N days after their
customer was set complete, M days after their link expired. Every maintenance round
(by default every five minutes, so a file goes within minutes of the day staff were
shown) the job asks the retention read model which files are due and decides each
one again from the aggregates themselves: the organisation's periods as they are now,
since when the customer has been complete (its last `StatusChanged`), the link's
expiry. A customer set back from complete meanwhile keeps its files.

A due file gets `FileDeleted` with reason `retention` and no actor, and its link
`UploadRemoved`, in one save; the cleanup policy then removes its bytes, the only
place its per-file key can be derived from (salt and segments live in the object).
The history shows "automatisch gelöscht nach Aufbewahrungsfrist". Exactly once: a
file already deleted is skipped, and two workers deciding the same file conflict on
its version, the one that retries finding it deleted.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from application.errors import NotFound
from application.jobs.context import JobContext
from application.jobs.kinds import Job
from domain.customer import Customer
from domain.organization import Organization
from domain.received_file import ReceivedFile
from domain.retention import AFTER_COMPLETE, AFTER_LINK_EXPIRY, deletion_due
from domain.upload_link import UploadLink
from domain.values import CustomerStatus
from projections.retention import RetentionView

log = logging.getLogger(__name__)

#: Files looked at per organisation and round; the next round takes the rest.
RETENTION_BATCH = 500


def _before(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


class RetentionJob:
    """Runs `JobKind.APPLY_RETENTION` jobs."""

    def __init__(self, context: JobContext, view: RetentionView | None) -> None:
        self.context = context
        self.app = context.app
        self.view = view

    def run(self, job: Job, final_attempt: bool) -> datetime | None:
        self.delete_due()
        return None

    def delete_due(self) -> int:
        """Delete every file whose retention has ended (up to a batch per organisation);
        returns how many."""
        if self.view is None:
            return 0
        now = self.context.clock()
        deleted = 0
        for organization_id, periods in self.view.organizations_with_retention():
            due = self.view.files_due(
                organization_id,
                _before(now, periods[AFTER_COMPLETE]),
                _before(now, periods[AFTER_LINK_EXPIRY]),
                RETENTION_BATCH,
            )
            for file_id in due:
                try:
                    deleted += self.delete_if_due(file_id)
                except NotFound:
                    continue  # its customer was erased meanwhile
        if deleted:
            log.info("retention: deleted %d files", deleted)
        return deleted

    def delete_if_due(self, file_id: UUID) -> bool:
        """Delete the file if, decided afresh, its retention has ended."""

        def attempt() -> bool:
            now = self.context.clock()
            received = self.app.load(file_id, ReceivedFile)
            if received.deleted:
                return False
            customer = self.app.load(received.customer_id, Customer)
            if customer.deleted:
                return False
            organization = self.app.load(received.organization_id, Organization)
            link = self.app.load(received.link_id, UploadLink)
            due = deletion_due(
                organization.retention, self.complete_since(customer), link.expires_at
            )
            if due is None or due > now:
                return False
            received.expire()
            link.remove_upload(received.id, received.item_id, None)
            self.app.record(received, link)
            return True

        return bool(self.app.retrying(attempt))

    def complete_since(self, customer: Customer) -> datetime | None:
        """When the customer was last set complete; None if it is not complete now."""
        if customer.status != CustomerStatus.COMPLETE.value:
            return None
        for event in self.app.events.get(customer.id, desc=True):
            if isinstance(event, Customer.StatusChanged):
                return (
                    event.timestamp if event.new_status == CustomerStatus.COMPLETE.value else None
                )
        return None
