"""What each background job does, as plain methods over the application's ports.

A broker or the embedded queue only decides when a job runs and how often it
is retried; the effect lives here, so it is tested without either. Every job
may run more than once, even twice at the same time (a redelivered message, a
policy that queued it again after a crash) and has its effect once:

- a link mail holds its job's lock (`JobLocks`: released the moment a holder
  dies), checks `job_outcomes` for its event's key before sending, writes the
  outcome right after the mail server took the message, and records
  `UploadLinkSent` (or `UploadLinkSendFailed`) only if no outcome for that
  request is recorded on the link yet;
- an upload notice files its upload once (`job_outcomes` again) and then, holding
  its link's lock, delivers whatever digests of that link are due; a digest
  remembers which members have their mail.

A job that finds its lock taken comes back a moment later.

The one window left is between the mail server's "250 OK" and the outcome's
commit: a worker killed exactly there sends the mail again when its job is
redelivered. The Message-ID is derived from the job, so the repeat is
recognisable as one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from application.errors import NotFound
from application.job_state import (
    LINK_EXPIRY,
    NOTICE_DIGESTS,
    NOTICE_FILES,
    NOTICE_LINKS,
    OUTCOMES,
    outcome_of,
    record_outcome,
)
from application.jobs import (
    Job,
    JobKind,
    JobLocks,
    notify_upload_job,
    request_id_for,
    send_link_job,
)
from application.link_mail import LinkMail, link_message, message_domain
from application.ports import CUSTOMER_HEADER, Mailer, MailNotDelivered
from application.upload_notice_mail import ArrivedFile, UploadNotice, upload_notice_message
from domain.customer import Customer
from domain.erasure import ErasedEvent
from domain.organization import Organization
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from domain.user import User
from projections.database import Database
from projections.rows import as_datetime, as_uuid

if TYPE_CHECKING:
    from application.docintake import DocIntake

log = logging.getLogger(__name__)

#: When a job finds another worker on the same lock, it comes back this much later.
BUSY_RETRY = timedelta(seconds=0.5)
#: Links marked expired per run of the expiry job; the next run takes the rest.
EXPIRY_BATCH = 500
#: Failure reasons are shown to staff; mail servers can answer at length.
REASON_MAX_LENGTH = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


class BackgroundJobs:
    """Runs jobs: link mails, upload notices, expiry marking, the storage sweep."""

    def __init__(
        self,
        app: DocIntake,
        database: Database,
        mailer: Mailer,
        locks: JobLocks,
        *,
        digest_window: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.app = app
        self.database = database
        self.mailer = mailer
        self.locks = locks
        self.digest_window = digest_window
        self.clock = clock

    def run(self, job: Job, *, final_attempt: bool = False) -> datetime | None:
        """Do `job`. Returns when it wants to run again (None: finished); raises to be retried.

        On its `final_attempt` a link mail that still fails is recorded as failed
        instead of raising.
        """
        if job.kind is JobKind.SEND_LINK:
            link_id, version = UUID(job.args["link_id"]), int(job.args["version"])
            if self.send_link(link_id, version, final_attempt=final_attempt) is None:
                return self.clock() + BUSY_RETRY
            return None
        if job.kind is JobKind.NOTIFY_UPLOAD:
            return self.notify_upload(UUID(job.args["file_id"]))
        if job.kind is JobKind.DELIVER_NOTICES:
            self.deliver_due_notices()
        elif job.kind is JobKind.EXPIRE_LINKS:
            self.expire_links()
        elif job.kind is JobKind.SWEEP_STORAGE:
            self.app.sweep_storage()
        return None

    # Link mails ----------------------------------------------------------------------

    def send_link(self, link_id: UUID, version: int, *, final_attempt: bool = False) -> str | None:
        """Mail the link as asked by the `UploadLinkSendRequested` event at `version`.

        Returns the outcome: `sent`, `failed` (recorded on the link for staff) or
        `skipped` (the customer was deleted meanwhile: nothing is recorded); None
        when another worker is on the same job right now.
        """
        key = send_link_job(link_id, version).key
        request = self._send_request(link_id, version)
        if request is None:
            # The customer was erased: there is nothing to send, and no one to tell.
            return "skipped"
        with self.locks.exclusive(key) as held:
            if not held:
                return None
            with self.database.reading() as tx:
                outcome = outcome_of(tx, key)
            if outcome is None:
                outcome, detail = self._deliver_link_mail(link_id, version, request, final_attempt)
                with self.database.transaction() as tx:
                    record_outcome(tx, key, JobKind.SEND_LINK, outcome, self.clock(), detail)
        with self.database.reading() as tx:
            row = tx.fetchone(f"SELECT outcome, detail FROM {OUTCOMES} WHERE job_key = %s", (key,))
        assert row is not None
        outcome, detail = str(row["outcome"]), row["detail"]
        if outcome in {"sent", "failed"}:
            self._record_send_outcome(link_id, version, request, outcome, detail or "")
        return outcome

    def _send_request(self, link_id: UUID, version: int) -> Any | None:
        events = list(self.app.events.get(link_id, gt=version - 1, lte=version))
        if len(events) == 1 and isinstance(events[0], ErasedEvent):
            return None
        if len(events) != 1 or not isinstance(events[0], UploadLink.UploadLinkSendRequested):
            raise LookupError(f"no send request at version {version} of link {link_id}")
        return events[0]

    def _deliver_link_mail(
        self, link_id: UUID, version: int, request: Any, final_attempt: bool
    ) -> tuple[str, str | None]:
        try:
            link = self.app.load(link_id, UploadLink)
            customer = self.app.load(link.customer_id, Customer)
            if customer.deleted:
                return "skipped", "the customer was deleted"
            status = link.status(self.clock())
            if status != "active":
                return "failed", f"the link is {status}"
            organization = self.app.load(link.organization_id, Organization)
            sender = self.app.load(request.actor_id, User)
            url = self.app.link_url(link)
            message = link_message(
                LinkMail(
                    to=request.to,
                    language=organization.language,
                    organization_name=organization.name,
                    customer_name=customer.name,
                    link_url=url,
                    link_title=link.title,
                    expires_at=link.expires_at,
                    requested_items=[str(item["label"]) for item in link.requested_items],
                    password_protected=link.password_protected,
                    personal_message=request.message,
                    sender_name=sender.display_name,
                    sender_email=sender.email,
                ),
                message_id=f"<link-{request_id_for(link_id, version)}@{message_domain(url)}>",
            )
            message[CUSTOMER_HEADER] = str(customer.id)
            self.mailer.send(message)
        except Exception as error:
            permanent = isinstance(error, MailNotDelivered) and error.permanent
            if not (permanent or final_attempt):
                raise
            log.warning("link mail for link %s given up: %s", link_id, error)
            return "failed", str(error)[:REASON_MAX_LENGTH]
        return "sent", None

    def _record_send_outcome(
        self, link_id: UUID, version: int, request: Any, outcome: str, reason: str
    ) -> None:
        request_id = request_id_for(link_id, version)
        answers = (UploadLink.UploadLinkSent, UploadLink.UploadLinkSendFailed)

        def attempt() -> None:
            link = self.app.load(link_id, UploadLink)
            # Loaded first, then searched: an answer recorded after the load makes
            # the save below conflict, and the retry finds it.
            for event in self.app.events.get(link_id, gt=version):
                if isinstance(event, answers) and event.request_id == request_id:
                    return
            if outcome == "sent":
                link.mark_sent(customer_id=link.customer_id, to=request.to, request_id=request_id)
            else:
                link.mark_send_failed(
                    customer_id=link.customer_id,
                    to=request.to,
                    request_id=request_id,
                    reason=reason,
                )
            self.app.record(link)

        self.app.retrying(attempt)

    # Upload notices ----------------------------------------------------------------

    def notify_upload(self, file_id: UUID) -> datetime | None:
        """File the upload for its link's next digest, then deliver what is due.

        Returns when the link's next digest is due, if it is not yet.
        """
        key = notify_upload_job(file_id).key
        try:
            received = self.app.load(file_id, ReceivedFile)
        except NotFound:
            return None  # its customer was erased: no notice about it
        with self.database.transaction() as tx:
            if outcome_of(tx, key) is None:
                if not received.deleted:
                    tx.execute(
                        f"INSERT INTO {NOTICE_FILES} (file_id, link_id, customer_id,"
                        " organization_id, filename, size, uploader_name, uploaded_at)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (file_id) DO NOTHING",
                        (
                            received.id,
                            received.link_id,
                            received.customer_id,
                            received.organization_id,
                            received.filename,
                            received.size,
                            received.uploader_name,
                            received.created_on,
                        ),
                    )
                record_outcome(tx, key, JobKind.NOTIFY_UPLOAD, "done", self.clock())
        return self.deliver_notices(received.link_id)

    def deliver_notices(self, link_id: UUID) -> datetime | None:
        """Cut a digest of the link's waiting files if its window allows, and deliver every
        digest of the link not yet delivered to every member.

        Returns when to come back: the next digest's time if files wait for the window,
        or a moment from now if another worker is on this link's notices.
        """
        with self.locks.exclusive(f"upload_notices:{link_id}") as held:
            if not held:
                return self.clock() + BUSY_RETRY
            come_back = self._cut_digest(link_id)
            with self.database.reading() as tx:
                digests = tx.fetchall(
                    f"SELECT id, sent_to FROM {NOTICE_DIGESTS} WHERE link_id = %s ORDER BY cut_at",
                    (link_id,),
                )
            for row in digests:
                self._send_digest(as_uuid(row["id"]), link_id, list(json.loads(row["sent_to"])))
        return come_back

    def _cut_digest(self, link_id: UUID) -> datetime | None:
        now = self.clock()
        with self.database.transaction() as tx:
            tx.execute(
                f"INSERT INTO {NOTICE_LINKS} (link_id) VALUES (%s)"
                " ON CONFLICT (link_id) DO NOTHING",
                (link_id,),
            )
            state = tx.fetchone(
                f"SELECT last_digest_at, wake_at FROM {NOTICE_LINKS} WHERE link_id = %s",
                (link_id,),
            )
            assert state is not None
            last, wake = as_datetime(state["last_digest_at"]), as_datetime(state["wake_at"])
            waiting = tx.fetchone(
                f"SELECT COUNT(*) AS n FROM {NOTICE_FILES}"
                " WHERE link_id = %s AND digest_id IS NULL",
                (link_id,),
            )
            if not waiting or not int(waiting["n"]):
                return None
            due = now if last is None else last + self.digest_window
            if now < due:
                if wake is not None and now < wake:
                    return None  # a wake-up is asked for already
                tx.execute(
                    f"UPDATE {NOTICE_LINKS} SET wake_at = %s WHERE link_id = %s", (due, link_id)
                )
                return due
            digest_id = uuid4()
            tx.execute(
                f"INSERT INTO {NOTICE_DIGESTS} (id, link_id, cut_at, sent_to)"
                " VALUES (%s, %s, %s, '[]')",
                (digest_id, link_id, now),
            )
            tx.execute(
                f"UPDATE {NOTICE_FILES} SET digest_id = %s"
                " WHERE link_id = %s AND digest_id IS NULL",
                (digest_id, link_id),
            )
            tx.execute(
                f"UPDATE {NOTICE_LINKS} SET last_digest_at = %s, wake_at = NULL WHERE link_id = %s",
                (now, link_id),
            )
        return None

    def _send_digest(self, digest_id: UUID, link_id: UUID, sent_to: list[str]) -> None:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT filename, size, uploader_name, uploaded_at FROM {NOTICE_FILES}"
                " WHERE digest_id = %s ORDER BY uploaded_at, filename",
                (digest_id,),
            )
        try:
            link = self.app.load(link_id, UploadLink)
            customer = self.app.load(link.customer_id, Customer)
            gone = customer.deleted
        except NotFound:
            gone = True  # the customer was erased: nothing to tell about it
        if rows and not gone:
            organization = self.app.load(link.organization_id, Organization)
            files = [
                ArrivedFile(
                    filename=str(row["filename"]),
                    size=int(row["size"]),
                    uploader_name=row["uploader_name"],
                    uploaded_at=as_datetime(row["uploaded_at"]) or self.clock(),
                )
                for row in rows
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
                        files=files,
                    )
                    message_id = f"<upload-{digest_id}-{member_id}@{message_domain(customer_url)}>"
                    try:
                        message = upload_notice_message(notice, message_id=message_id)
                        message[CUSTOMER_HEADER] = str(customer.id)
                        self.mailer.send(message)
                    except MailNotDelivered as error:
                        if not error.permanent:
                            raise
                        # Retrying cannot help this member; the others still get theirs.
                        log.warning("upload notice for %s refused for good: %s", member_id, error)
                sent_to.append(member_id.hex)
                with self.database.transaction() as tx:
                    tx.execute(
                        f"UPDATE {NOTICE_DIGESTS} SET sent_to = %s WHERE id = %s",
                        (json.dumps(sent_to), digest_id),
                    )
        with self.database.transaction() as tx:
            tx.execute(f"DELETE FROM {NOTICE_FILES} WHERE digest_id = %s", (digest_id,))
            tx.execute(f"DELETE FROM {NOTICE_DIGESTS} WHERE id = %s", (digest_id,))

    def deliver_due_notices(self) -> int:
        """Deliver every link's due digests (the periodic safety net); returns links visited."""
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT DISTINCT link_id FROM {NOTICE_FILES} WHERE digest_id IS NULL"
                f" UNION SELECT DISTINCT link_id FROM {NOTICE_DIGESTS}"
            )
        failed = 0
        for row in rows:
            try:
                self.deliver_notices(as_uuid(row["link_id"]))
            except Exception:
                log.warning(
                    "upload notices of link %s not delivered", row["link_id"], exc_info=True
                )
                failed += 1
        if failed:
            raise RuntimeError(f"upload notices of {failed} links not delivered")
        return len(rows)

    # Expiry --------------------------------------------------------------------------

    def expire_links(self) -> int:
        """Record `UploadLinkExpired` for links past their expiry; returns how many.

        Only a record for the history and the lists: the check at request time
        refuses an expired link whether or not this has run.
        """
        now = self.clock()
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT link_id FROM {LINK_EXPIRY} WHERE expires_at <= %s"
                f" ORDER BY expires_at LIMIT {EXPIRY_BATCH}",
                (now,),
            )
        marked = 0
        for row in rows:
            link_id = as_uuid(row["link_id"])

            def attempt(link_id: UUID = link_id) -> bool:
                link = self.app.load(link_id, UploadLink)
                customer = self.app.load(link.customer_id, Customer)
                if customer.deleted or not link.mark_expired(now):
                    return False
                self.app.record(link)
                return True

            marked += self.app.retrying(attempt)
            with self.database.transaction() as tx:
                tx.execute(f"DELETE FROM {LINK_EXPIRY} WHERE link_id = %s", (link_id,))
        if marked:
            log.info("marked %d upload links expired", marked)
        return marked
