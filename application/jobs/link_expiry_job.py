"""The link expiry job (periodic): record `UploadLinkExpired` for links past their expiry.

Only a record for the history and the lists: the check at request time refuses
an expired link whether or not this has run.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from application.jobs.context import JobContext
from application.jobs.kinds import Job
from domain.customer import Customer
from domain.upload_link import UploadLink

log = logging.getLogger(__name__)

#: Links marked expired per run of the expiry job; the next run takes the rest.
EXPIRY_BATCH = 500


class LinkExpiryJob:
    """Runs `JobKind.EXPIRE_LINKS` jobs."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.app = context.app

    def run(self, job: Job, final_attempt: bool) -> datetime | None:
        self.expire_due()
        return None

    def expire_due(self) -> int:
        """Record `UploadLinkExpired` for links past their expiry; returns how many."""
        now = self.context.clock()
        marked = 0
        for link_id in self.context.state.links_expired_by(now, EXPIRY_BATCH):

            def attempt(link_id: UUID = link_id) -> bool:
                link = self.app.load(link_id, UploadLink)
                customer = self.app.load(link.customer_id, Customer)
                if customer.deleted or not link.mark_expired(now):
                    return False
                self.app.record(link)
                return True

            marked += self.app.retrying(attempt)
            self.context.state.expiry_marked(link_id)
        if marked:
            log.info("marked %d upload links expired", marked)
        return marked
