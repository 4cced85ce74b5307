"""What the jobs need from the infrastructure: a queue, locks, and the state they keep.

The queue is a dramatiq broker or a table (`infrastructure.jobs`); the locks are
PostgreSQL advisory locks or files; the state is a few tables of the read-model
database, whose SQL lives in `infrastructure.jobs.state_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.jobs.kinds import Job
from projections.database import Transaction


class JobQueue(Protocol):
    """Where jobs wait for a worker: a dramatiq broker, or a table in embedded mode."""

    def enqueue(
        self, job: Job, *, tx: Transaction | None = None, at: datetime | None = None
    ) -> None:
        """Queue `job` (to run at `at`, default now).

        With `tx` the job belongs to that transaction where the queue can do so
        (the embedded table); a broker sends it at once, so the caller must
        tolerate a job that runs although the transaction later rolls back.
        """


class JobLocks(Protocol):
    """Keeps two workers from doing the same job (or the same link's notices) at once."""

    def exclusive(self, key: str) -> AbstractContextManager[bool]:
        """Hold the lock on `key` for the block; the block gets False when another holder
        has it (it does not wait). A holder that dies loses the lock at once."""


@dataclass(frozen=True)
class JobOutcome:
    """How a finished job went: `done`, `sent`, `failed` or `skipped`, with a detail."""

    outcome: str
    detail: str | None


@dataclass(frozen=True)
class NoticeFile:
    """An uploaded file waiting to be told to the team in its link's next digest."""

    file_id: UUID
    link_id: UUID
    customer_id: UUID
    organization_id: UUID
    filename: str
    size: int
    uploader_name: str | None
    uploaded_at: datetime


@dataclass(frozen=True)
class Digest:
    """Files of one link cut for one notice mail, and the members (hex ids) who have it."""

    id: UUID
    link_id: UUID
    sent_to: list[str]


class JobState(Protocol):
    """The tables the jobs keep beside the read models.

    - outcomes: one per finished job key (event identity), so a job delivered
      twice acts once; the first outcome recorded stays;
    - link expiry: links still to be marked expired, kept by the job policy;
    - reminders: active links with a due date, kept by the job policy;
    - upload notices: files not yet told to the team, digests cut but not yet
      delivered, and each link's last digest time.

    The methods taking `tx` belong to the job policy's batch (with the suffix of
    a rebuild's copy); the others run in a transaction of their own.
    """

    def tables(self) -> Sequence[str]: ...

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> bool:
        """Create the tables; True when they did not exist before (a first run)."""

    def will_expire(
        self,
        tx: Transaction,
        link_id: UUID,
        customer_id: UUID,
        expires_at: datetime,
        table_suffix: str = "",
    ) -> None: ...

    def wont_expire(self, tx: Transaction, link_id: UUID, table_suffix: str = "") -> None: ...

    def may_remind(
        self, tx: Transaction, link_id: UUID, customer_id: UUID, table_suffix: str = ""
    ) -> None:
        """The link has a due date: the reminder schedule looks at it."""

    def wont_remind(self, tx: Transaction, link_id: UUID, table_suffix: str = "") -> None: ...

    def forget_customer(
        self, tx: Transaction, customer_id: UUID, link_job_prefix: str, table_suffix: str = ""
    ) -> None:
        """Remove an erased customer's links, waiting files and the details of its link
        mails' outcomes (keys starting `link_job_prefix` + link id)."""

    def outcome(self, key: str) -> JobOutcome | None: ...

    def record_outcome(
        self, key: str, kind: str, outcome: str, at: datetime, detail: str | None = None
    ) -> None:
        """Remember that job `key` has finished (the first outcome stays)."""

    def file_notice(self, key: str, kind: str, file: NoticeFile | None, at: datetime) -> None:
        """Unless job `key` has finished: keep `file` for its link's next digest (None: no
        file to tell about) and record the job done, in one transaction."""

    def cut_digest(self, link_id: UUID, now: datetime, window: float) -> datetime | None:
        """Cut a digest of the link's waiting files if `window` seconds have passed since
        its last one. Returns when to come back if files wait for the window and no
        wake-up is asked for yet."""

    def digests(self, link_id: UUID) -> list[Digest]:
        """The link's digests not yet delivered to everyone, oldest first."""

    def digest_files(self, digest_id: UUID) -> list[NoticeFile]: ...

    def digest_sent_to(self, digest_id: UUID, sent_to: list[str]) -> None: ...

    def drop_digest(self, digest_id: UUID) -> None:
        """The digest is delivered: forget it and its files."""

    def links_with_notices(self) -> list[UUID]:
        """Links with files waiting or digests not yet delivered."""

    def links_expired_by(self, now: datetime, limit: int) -> list[UUID]: ...

    def expiry_marked(self, link_id: UUID) -> None: ...

    def links_to_remind(self, after: UUID | None, limit: int) -> list[UUID]:
        """Links with a due date that may still be reminded of, by id, after `after`."""

    def failed_counts(self, since: datetime) -> dict[str, int]:
        """Jobs given up and recorded as failed since `since`, per kind (none before the
        tables exist)."""


@dataclass(frozen=True)
class JobCounts:
    """What `docintake jobs status` shows for one kind of job.

    `queued` waits to run (or is running), `delayed` waits for a retry or its
    scheduled time, `failed` was given up in the last seven days and recorded as
    failed (for a link mail: `UploadLinkSendFailed`, which staff see on the
    customer), `dead_lettered` failed in a way nothing recorded and needs an
    operator.
    """

    kind: str
    queued: int
    delayed: int
    failed: int
    dead_lettered: int
