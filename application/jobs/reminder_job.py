"""The reminder jobs: the schedule that decides a reminder is due, and the mail it makes.

`SCHEDULE_REMINDERS` (periodic) looks at every active link with a due date and,
where a slot of the organisation's schedule has come and the sending window is
open, records `ReminderSent` on the link. The link's version makes that
exactly once: two workers deciding the same slot conflict on saving, and the
one that retries finds the slot filled. `SEND_REMINDER` (queued by the job
policy for each `ReminderSent`) mails it, under its job's lock and outcome like
the link mail, so a redelivered job mails once.

Stops, checked at every decision: everything requested received, the link
revoked or expired, the customer set complete or deleted, reminders switched
off for the link (or, for a link without its own schedule, for the organisation), the
link never sent by e-mail, no e-mail address.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from application.error_text import error_summary
from application.errors import NotFound
from application.jobs.context import BUSY_RETRY, JobContext
from application.jobs.kinds import Job, JobKind, send_reminder_job
from application.link_mail import message_domain
from application.mail_branding import mail_branding
from application.ports import CUSTOMER_HEADER, MailNotDelivered
from application.reminder_mail import ReminderMail, reminder_message
from application.texts.formats import DEFAULT_TIME_ZONE
from domain.customer import Customer
from domain.organization import Organization
from domain.reminders import ReminderSchedule, in_window, next_reminder, schedule_in_force
from domain.upload_link import UploadLink
from domain.user import User
from domain.values import CustomerStatus

log = logging.getLogger(__name__)

#: Links looked at per read of the reminder table.
REMINDER_BATCH = 500


def organization_zone(organization: Organization) -> ZoneInfo:
    """The organisation's time zone (Europe/Berlin unless it chose another)."""
    try:
        return ZoneInfo(organization.time_zone or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def link_schedule(organization: Organization, link: UploadLink) -> ReminderSchedule | None:
    """The schedule the link is reminded by: its own, else the organisation's while on."""
    return schedule_in_force(
        link.reminder_schedule, organization.reminders_on, organization.reminder_schedule
    )


class ReminderJob:
    """Runs `JobKind.SCHEDULE_REMINDERS` and `JobKind.SEND_REMINDER` jobs."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.app = context.app

    # Deciding ------------------------------------------------------------------------

    def run_schedule(self, job: Job, final_attempt: bool) -> datetime | None:
        self.remind_due()
        return None

    def remind_due(self) -> int:
        """Record a reminder on every link whose next slot has come; returns how many."""
        reminded = 0
        after: UUID | None = None
        while True:
            links = self.context.state.links_to_remind(after, REMINDER_BATCH)
            for link_id in links:
                try:
                    reminded += self.remind_if_due(link_id)
                except NotFound:
                    continue  # erased meanwhile; the policy forgets it
            if len(links) < REMINDER_BATCH:
                break
            after = links[-1]
        if reminded:
            log.info("recorded %d reminders", reminded)
        return reminded

    def remind_if_due(self, link_id: UUID) -> bool:
        def attempt() -> bool:
            now = self.context.clock()
            link = self.app.load(link_id, UploadLink)
            if not link.reminders_enabled or link.due_at is None or link.due_set_at is None:
                return False
            customer = self.app.load(link.customer_id, Customer)
            done = customer.deleted or customer.status == CustomerStatus.COMPLETE.value
            if link.why_not_remind(customer.email, done, now) is not None:
                return False
            organization = self.app.load(link.organization_id, Organization)
            zone = organization_zone(organization)
            schedule = link_schedule(organization, link)
            if schedule is None:
                return False
            coming = next_reminder(
                schedule,
                link.due_at,
                link.due_set_at,
                link.last_reminder_slot,
                link.reminders_sent,
                now,
                zone,
            )
            if coming is None or coming.at > now or not in_window(now, zone):
                return False
            link.remind(coming.slot, None, now)
            self.app.record(link)
            return True

        return bool(self.app.retrying(attempt))

    # Mailing -------------------------------------------------------------------------

    def run_send(self, job: Job, final_attempt: bool) -> datetime | None:
        link_id, version = UUID(job.args["link_id"]), int(job.args["version"])
        if self.send(link_id, version, final_attempt=final_attempt) is None:
            return self.context.clock() + BUSY_RETRY
        return None

    def send(self, link_id: UUID, version: int, *, final_attempt: bool = False) -> str | None:
        """Mail the reminder recorded at `version`; returns `sent`, `failed` or `skipped`
        (None: another worker is on it)."""
        reminder = self.context.event_at(link_id, version, UploadLink.ReminderSent)
        if reminder is None:
            return "skipped"  # the customer was erased
        return self.context.deliver_once(
            send_reminder_job(link_id, version).key,
            JobKind.SEND_REMINDER,
            lambda: self._deliver(link_id, version, reminder, final_attempt),
        )

    def _deliver(
        self, link_id: UUID, version: int, reminder: Any, final_attempt: bool
    ) -> tuple[str, str | None]:
        try:
            link = self.app.load(link_id, UploadLink)
            customer = self.app.load(link.customer_id, Customer)
            if customer.deleted:
                return "skipped", "the customer was deleted"
            organization = self.app.load(link.organization_id, Organization)
            url = self.app.links.url(link)
            # By hand: the mail names who sent it, and answers go to them.
            sender = self.app.load(reminder.actor_id, User) if reminder.actor_id else None
            message = reminder_message(
                ReminderMail(
                    to=reminder.to,
                    language=organization.language,
                    organization_name=organization.name,
                    customer_name=customer.name,
                    link_url=url,
                    link_title=link.title,
                    due_at=link.due_at,
                    missing=list(reminder.missing),
                    # Sent by the schedule: answers go where the client knows the link
                    # from (the organisation's reply address, else who sent the link).
                    reply_to=sender.email
                    if sender
                    else self.app.links.office_contact(organization.id, link.contact_id),
                    time_zone=organization.time_zone,
                    branding=mail_branding(self.app, organization.id, organization.name),
                    sender_name=sender.display_name if sender else None,
                ),
                now=self.context.clock(),
                message_id=f"<reminder-{link_id}-{version}@{message_domain(url)}>",
            )
            message[CUSTOMER_HEADER] = str(customer.id)
            self.context.mailer.send(message)
        except Exception as error:
            permanent = isinstance(error, MailNotDelivered) and error.permanent
            if not (permanent or final_attempt):
                raise
            reason = error_summary(error)[:500]
            log.warning("reminder for link %s given up: %s", link_id, reason)
            return "failed", reason
        return "sent", None
