"""The upload notice jobs: tell the team about uploaded files, in a digest per link.

An upload notice files its upload once (by its job's outcome) and then, holding
its link's lock, delivers whatever digests of that link are due; a digest
remembers which members have their mail, so a repeat mails only those missing.
The periodic `DELIVER_NOTICES` job is the safety net for lost wake-ups.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from uuid import UUID

from application.error_text import error_summary
from application.errors import NotFound
from application.jobs.context import BUSY_RETRY, JobContext
from application.jobs.kinds import Job, JobKind, notify_upload_job
from application.jobs.ports import Digest, NoticeFile
from application.link_mail import message_domain
from application.ports import CUSTOMER_HEADER, MailNotDelivered
from application.upload_notice_mail import ArrivedFile, UploadNotice, upload_notice_message
from domain.customer import Customer
from domain.organization import Organization
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from domain.user import User

log = logging.getLogger(__name__)


class UploadNoticeJob:
    """Runs `JobKind.NOTIFY_UPLOAD` and `JobKind.DELIVER_NOTICES` jobs."""

    def __init__(self, context: JobContext, digest_window: timedelta) -> None:
        self.context = context
        self.app = context.app
        self.state = context.state
        self.digest_window = digest_window

    def run(self, job: Job, final_attempt: bool) -> datetime | None:
        return self.notify(UUID(job.args["file_id"]))

    def run_periodic(self, job: Job, final_attempt: bool) -> datetime | None:
        self.deliver_due()
        return None

    def notify(self, file_id: UUID) -> datetime | None:
        """File the upload for its link's next digest, then deliver what is due.

        Returns when the link's next digest is due, if it is not yet.
        """
        key = notify_upload_job(file_id).key
        try:
            received = self.app.load(file_id, ReceivedFile)
        except NotFound:
            return None  # its customer was erased: no notice about it
        waiting = None
        if not received.deleted:
            waiting = NoticeFile(
                file_id=received.id,
                link_id=received.link_id,
                customer_id=received.customer_id,
                organization_id=received.organization_id,
                filename=received.filename,
                size=received.size,
                uploader_name=received.uploader_name,
                uploaded_at=received.created_on,
            )
        self.state.file_notice(key, JobKind.NOTIFY_UPLOAD, waiting, self.context.clock())
        return self.deliver(received.link_id)

    def deliver(self, link_id: UUID) -> datetime | None:
        """Cut a digest of the link's waiting files if its window allows, and deliver every
        digest of the link not yet delivered to every member.

        Returns when to come back: the next digest's time if files wait for the window,
        or a moment from now if another worker is on this link's notices.
        """
        with self.context.locks.exclusive(f"upload_notices:{link_id}") as held:
            if not held:
                return self.context.clock() + BUSY_RETRY
            come_back = self.state.cut_digest(
                link_id, self.context.clock(), self.digest_window.total_seconds()
            )
            for digest in self.state.digests(link_id):
                self._send_digest(digest)
        return come_back

    def _send_digest(self, digest: Digest) -> None:
        # A file its client took back meanwhile (within its quarter of an hour) is not told of.
        files = [f for f in self.state.digest_files(digest.id) if self._still_there(f.file_id)]
        sent_to = list(digest.sent_to)
        try:
            link = self.app.load(digest.link_id, UploadLink)
            customer = self.app.load(link.customer_id, Customer)
            gone = customer.deleted
        except NotFound:
            gone = True  # the customer was erased: nothing to tell about it
        if files and not gone:
            organization = self.app.load(link.organization_id, Organization)
            arrived = [
                ArrivedFile(
                    filename=file.filename,
                    size=file.size,
                    uploader_name=file.uploader_name,
                    uploaded_at=file.uploaded_at,
                )
                for file in files
            ]
            customer_url = f"{self.app.base_url}/customers/{customer.id}"
            for member_id in organization.member_ids():
                if member_id.hex in sent_to:
                    continue
                member = self.app.load(member_id, User)
                if member.upload_notifications:
                    notice = UploadNotice(
                        to=member.email,
                        member_name=member.name,
                        language=organization.language,
                        organization_name=organization.name,
                        customer_name=customer.name,
                        customer_url=customer_url,
                        link_title=link.title,
                        link_created_at=link.created_on,
                        files=arrived,
                        time_zone=organization.time_zone,
                    )
                    message_id = f"<upload-{digest.id}-{member_id}@{message_domain(customer_url)}>"
                    try:
                        message = upload_notice_message(notice, message_id=message_id)
                        message[CUSTOMER_HEADER] = str(customer.id)
                        self.context.mailer.send(message)
                    except MailNotDelivered as error:
                        if not error.permanent:
                            raise
                        # Retrying cannot help this member; the others still get theirs.
                        log.warning(
                            "upload notice for %s refused for good: %s",
                            member_id,
                            error_summary(error),
                        )
                sent_to.append(member_id.hex)
                self.state.digest_sent_to(digest.id, sent_to)
        self.state.drop_digest(digest.id)

    def _still_there(self, file_id: UUID) -> bool:
        try:
            return not self.app.load(file_id, ReceivedFile).deleted
        except NotFound:
            return False

    def deliver_due(self) -> int:
        """Deliver every link's due digests (the periodic safety net); returns links visited."""
        links = self.state.links_with_notices()
        failed = 0
        for link_id in links:
            try:
                self.deliver(link_id)
            except Exception:
                log.warning("upload notices of link %s not delivered", link_id, exc_info=True)
                failed += 1
        if failed:
            raise RuntimeError(f"upload notices of {failed} links not delivered")
        return len(links)
