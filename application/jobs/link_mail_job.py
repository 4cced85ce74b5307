"""The link mail job: e-mail an upload link as asked by `UploadLinkSendRequested`.

It holds its job's lock (`JobLocks`: released the moment a holder dies), checks
the job's outcome before sending, writes the outcome right after the mail
server took the message, and records `UploadLinkSent` (or
`UploadLinkSendFailed`) only if no outcome for that request is recorded on the
link yet.

The one window left is between the mail server's "250 OK" and the outcome's
commit: a worker killed exactly there sends the mail again when its job is
redelivered. The Message-ID is derived from the job, so the repeat is
recognisable as one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from application.error_text import error_summary
from application.jobs.context import BUSY_RETRY, JobContext
from application.jobs.kinds import Job, JobKind, request_id_for, send_link_job
from application.link_mail import LinkMail, link_message, message_domain
from application.mail_branding import mail_branding
from application.ports import CUSTOMER_HEADER, MailNotDelivered
from domain.customer import Customer
from domain.organization import Organization
from domain.upload_link import UploadLink
from domain.user import User

log = logging.getLogger(__name__)

#: Failure reasons are shown to staff; mail servers can answer at length.
REASON_MAX_LENGTH = 500


class LinkMailJob:
    """Runs `JobKind.SEND_LINK` jobs."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.app = context.app

    def run(self, job: Job, final_attempt: bool) -> datetime | None:
        link_id, version = UUID(job.args["link_id"]), int(job.args["version"])
        if self.send(link_id, version, final_attempt=final_attempt) is None:
            return self.context.clock() + BUSY_RETRY
        return None

    def send(self, link_id: UUID, version: int, *, final_attempt: bool = False) -> str | None:
        """Mail the link as asked by the `UploadLinkSendRequested` event at `version`.

        Returns the outcome: `sent`, `failed` (recorded on the link for staff) or
        `skipped` (the customer was deleted meanwhile: nothing is recorded); None
        when another worker is on the same job right now.
        """
        key = send_link_job(link_id, version).key
        request = self.context.event_at(
            link_id, version, UploadLink.UploadLinkSendRequested, UploadLink.QuestionsSendRequested
        )
        if request is None:
            # The customer was erased: there is nothing to send, and no one to tell.
            return "skipped"
        outcome = self.context.deliver_once(
            key,
            JobKind.SEND_LINK,
            lambda: self._deliver(link_id, version, request, final_attempt),
        )
        if outcome is None:
            return None
        recorded = self.context.state.outcome(key)
        assert recorded is not None
        if recorded.outcome in {"sent", "failed"}:
            self._record_send_outcome(
                link_id, version, request, recorded.outcome, recorded.detail or ""
            )
        return recorded.outcome

    def _deliver(
        self, link_id: UUID, version: int, request: Any, final_attempt: bool
    ) -> tuple[str, str | None]:
        try:
            link = self.app.load(link_id, UploadLink)
            customer = self.app.load(link.customer_id, Customer)
            if customer.deleted:
                return "skipped", "the customer was deleted"
            status = link.status(self.context.clock())
            if status != "active":
                return "failed", f"the link is {status}"
            organization = self.app.load(link.organization_id, Organization)
            sender = self.app.load(request.actor_id, User)
            url = self.app.links.url(link)
            message = link_message(
                LinkMail(
                    to=request.to,
                    language=organization.language,
                    organization_name=organization.name,
                    customer_name=customer.name,
                    link_url=url,
                    link_title=link.title,
                    expires_at=link.expires_at,
                    # What is still to send: a document already received is not asked again.
                    requested_items=link.missing_items(),
                    password_protected=link.password_protected,
                    # The message typed with the link, unless the link keeps it behind
                    # its password; a message typed for this sending comes first.
                    personal_message=request.message
                    or (None if link.password_protected else link.message),
                    sender_name=sender.display_name,
                    sender_email=sender.email,
                    time_zone=organization.time_zone,
                    questions=tuple(
                        (question["label"], question["question"])
                        for question in link.open_questions()
                    )
                    if isinstance(request, UploadLink.QuestionsSendRequested)
                    else (),
                    branding=mail_branding(self.app, organization.id, organization.name),
                    due_at=link.due_at,
                    due_passed=link.due_at is not None and link.due_at <= self.context.clock(),
                ),
                message_id=f"<link-{request_id_for(link_id, version)}@{message_domain(url)}>",
            )
            message[CUSTOMER_HEADER] = str(customer.id)
            self.context.mailer.send(message)
        except Exception as error:
            permanent = isinstance(error, MailNotDelivered) and error.permanent
            if not (permanent or final_attempt):
                raise
            reason = error_summary(error)[:REASON_MAX_LENGTH]
            log.warning("link mail for link %s given up: %s", link_id, reason)
            return "failed", reason
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
