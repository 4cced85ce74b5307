"""The job policy: follows the event log and queues the job each event needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.utils import get_topic

from application.jobs.kinds import (
    JobKind,
    notify_upload_job,
    scan_file_job,
    send_link_job,
    send_reminder_job,
)
from application.jobs.ports import JobQueue, JobState
from domain.customer import Customer
from domain.received_file import ReceivedFile, ScanState
from domain.upload_link import UploadLink
from projections.database import Transaction
from projections.erasure import erased_customer
from projections.tracking import set_position

#: What the policy does with one event: (transaction, event, table suffix) -> None.
Reaction = Callable[[Transaction, Any, str], None]


class JobPolicy:
    """Turns events into jobs, with its own tracking position like any follower.

    For each `UploadLinkSendRequested` it queues a link mail, for each
    `FileUploaded` an upload notice, for each `ReminderSent` a reminder mail; it
    also keeps the tables of links the expiry job will mark and of links with a
    due date the reminder schedule looks at. Jobs are queued inside the batch's transaction and
    the position moves only when that transaction commits: a crash between
    recording an event and queueing its job leaves the position behind the
    event, and the follower queues the job when it resumes. On a broker the job
    is sent before the commit, so a crash after sending queues it again: jobs
    are idempotent by their event's identity (`application.jobs.handlers`).

    Deleting a customer needs no job here: `FileCleanupPolicy` removes the
    bytes, retrying until storage answers.

    The first time it runs (no job tables yet) it starts at the head of the
    log instead of its beginning: a policy that sends mail must not act on
    history, for instance when this version is installed over an existing store.
    """

    name = "jobs"

    def __init__(self, queue: JobQueue, state: JobState, head: Callable[[], int]) -> None:
        self.queue = queue
        self.state = state
        self.head = head
        #: The events the policy reacts to, and how (an erased customer's events, which
        #: decode to `ErasedEvent`, are met by `erased_customer` below).
        self.reactions: Mapping[type, Reaction] = {
            UploadLink.UploadLinkSendRequested: self._send_link,
            # Staff sending the open follow-up questions: the same mail job, with them.
            UploadLink.QuestionsSendRequested: self._send_link,
            ReceivedFile.FileUploaded: self._notify_upload,
            UploadLink.UploadLinkCreated: self._will_expire,
            UploadLink.UploadLinkRevoked: self._wont_expire,
            UploadLink.UploadLinkExpired: self._wont_expire,
            UploadLink.UploadLinkExtended: self._expires_again,
            UploadLink.UploadLinkReactivated: self._expires_again,
            UploadLink.DueDateSet: self._due_date_set,
            UploadLink.ReminderSent: self._send_reminder,
            Customer.CustomerDeleted: self._forget_customer,
        }
        self.topics = [get_topic(cls) for cls in self.reactions]

    def tables(self) -> Sequence[str]:
        return self.state.tables()

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        first_run = self.state.create_tables(tx, table_suffix)
        if first_run and not table_suffix:
            set_position(tx, self.name, self.head())

    def apply(self, tx: Transaction, events: Sequence[Any], table_suffix: str = "") -> None:
        for event in events:
            reaction = next(
                (self.reactions[cls] for cls in type(event).__mro__ if cls in self.reactions), None
            )
            if reaction is not None:
                reaction(tx, event, table_suffix)
            elif erased_customer(event) is not None:
                self._forget_customer(tx, event, table_suffix)

    def _send_link(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        self.queue.enqueue(send_link_job(event.originator_id, event.originator_version), tx=tx)

    def _notify_upload(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        self.queue.enqueue(notify_upload_job(event.originator_id), tx=tx)
        if event.scan_state == ScanState.PENDING:
            self.queue.enqueue(scan_file_job(event.originator_id), tx=tx)

    def _will_expire(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        self.state.will_expire(
            tx, event.originator_id, event.customer_id, event.expires_at, table_suffix
        )

    def _expires_again(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        """Extended or reactivated: the expiry job looks at the new expiry, and the reminder
        schedule at the link again (it skips a link without a due date)."""
        self.state.wont_expire(tx, event.originator_id, table_suffix)
        self._will_expire(tx, event, table_suffix)
        self.state.may_remind(tx, event.originator_id, event.customer_id, table_suffix)

    def _wont_expire(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        self.state.wont_expire(tx, event.originator_id, table_suffix)
        self.state.wont_remind(tx, event.originator_id, table_suffix)

    def _due_date_set(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        if event.due_at is None:
            self.state.wont_remind(tx, event.originator_id, table_suffix)
        else:
            self.state.may_remind(tx, event.originator_id, event.customer_id, table_suffix)

    def _send_reminder(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        self.queue.enqueue(send_reminder_job(event.originator_id, event.originator_version), tx=tx)

    def _forget_customer(self, tx: Transaction, event: Any, table_suffix: str) -> None:
        """Nothing of an erased customer stays in the job tables: no link to expire, no
        file names waiting for a digest, no mail error naming its address."""
        customer_id = erased_customer(event)
        assert customer_id is not None
        link_jobs = f"{JobKind.SEND_LINK.value}:link_id="
        self.state.forget_customer(tx, customer_id, link_jobs, table_suffix)
