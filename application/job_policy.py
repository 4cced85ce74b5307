"""The job policy: follows the event log and queues the job each event needs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.job_state import (
    LINK_EXPIRY,
    NOTICE_FILES,
    OUTCOMES,
    TABLES,
    create_job_tables,
    table_exists,
)
from application.jobs import JobKind, JobQueue, notify_upload_job, send_link_job
from domain.customer import Customer
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from projections.database import Transaction
from projections.erasure import erased_customer
from projections.tracking import set_position


class JobPolicy:
    """Turns events into jobs, with its own tracking position like any follower.

    For each `UploadLinkSendRequested` it queues a link mail, for each
    `FileUploaded` an upload notice; it also keeps the table of links the
    expiry job will mark. Jobs are queued inside the batch's transaction and
    the position moves only when that transaction commits: a crash between
    recording an event and queueing its job leaves the position behind the
    event, and the follower queues the job when it resumes. On a broker the job
    is sent before the commit, so a crash after sending queues it again: jobs
    are idempotent by their event's identity (`application.background_jobs`).

    Deleting a customer needs no job here: `FileCleanupPolicy` removes the
    bytes, retrying until storage answers.

    The first time it runs (no job tables yet) it starts at the head of the
    log instead of its beginning: a policy that sends mail must not act on
    history, for instance when this version is installed over an existing store.
    """

    name = "jobs"

    def __init__(self, queue: JobQueue, head: Callable[[], int]) -> None:
        self.queue = queue
        self.head = head
        handled = (
            UploadLink.UploadLinkCreated,
            UploadLink.UploadLinkSendRequested,
            UploadLink.UploadLinkRevoked,
            UploadLink.UploadLinkExpired,
            ReceivedFile.FileUploaded,
            Customer.CustomerDeleted,
        )
        self.topics = [get_topic(cls) for cls in handled]

    def tables(self) -> Sequence[str]:
        return TABLES

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        first_run = not table_exists(tx, f"{OUTCOMES}{table_suffix}")
        create_job_tables(tx, table_suffix)
        if first_run and not table_suffix:
            set_position(tx, self.name, self.head())

    def apply(self, tx: Transaction, events: Sequence[Any], table_suffix: str = "") -> None:
        expiry = LINK_EXPIRY + table_suffix
        for event in events:
            if isinstance(event, UploadLink.UploadLinkSendRequested):
                self.queue.enqueue(
                    send_link_job(event.originator_id, event.originator_version), tx=tx
                )
            elif isinstance(event, ReceivedFile.FileUploaded):
                self.queue.enqueue(notify_upload_job(event.originator_id), tx=tx)
            elif isinstance(event, UploadLink.UploadLinkCreated):
                tx.execute(
                    f"INSERT INTO {expiry} (link_id, customer_id, expires_at) VALUES (%s, %s, %s)"
                    " ON CONFLICT (link_id) DO NOTHING",
                    (event.originator_id, event.customer_id, event.expires_at),
                )
            elif isinstance(event, UploadLink.UploadLinkRevoked | UploadLink.UploadLinkExpired):
                tx.execute(f"DELETE FROM {expiry} WHERE link_id = %s", (event.originator_id,))
            elif (customer_id := erased_customer(event)) is not None:
                self._forget_customer(tx, customer_id, table_suffix)

    @staticmethod
    def _forget_customer(tx: Transaction, customer_id: UUID, suffix: str) -> None:
        """Nothing of an erased customer stays in the job tables: no link to expire, no
        file names waiting for a digest, no mail error naming its address."""
        tx.erasing()
        links = tx.fetchall(
            f"SELECT link_id FROM {LINK_EXPIRY}{suffix} WHERE customer_id = %s", (customer_id,)
        )
        for row in links:
            tx.execute(
                f"UPDATE {OUTCOMES}{suffix} SET detail = NULL WHERE job_key LIKE %s",
                (f"{JobKind.SEND_LINK.value}:link_id={row['link_id']}:%",),
            )
        tx.execute(f"DELETE FROM {LINK_EXPIRY}{suffix} WHERE customer_id = %s", (customer_id,))
        tx.execute(f"DELETE FROM {NOTICE_FILES}{suffix} WHERE customer_id = %s", (customer_id,))
