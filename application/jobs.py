"""Background jobs: the kinds there are, one job's identity, and the queue port.

Jobs are made from the event log (`application.job_policy`), never from a
request: one per event that needs one, keyed by that event's identity, so that a
job enqueued or delivered twice still has its effect once
(`application.background_jobs` checks the key before acting).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from projections.database import Transaction

_REQUEST_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/link-send-request")


class JobKind(StrEnum):
    """What a job does; each kind has its own queue on a broker."""

    #: E-mail an upload link to the client (from `UploadLinkSendRequested`).
    SEND_LINK = "send_link"
    #: Tell the team about an uploaded file, in a digest per link (from `FileUploaded`).
    NOTIFY_UPLOAD = "notify_upload"
    #: Periodic: deliver upload digests whose time has come (a safety net for lost wake-ups).
    DELIVER_NOTICES = "deliver_notices"
    #: Periodic: record `UploadLinkExpired` for links past their expiry.
    EXPIRE_LINKS = "expire_links"
    #: Periodic: finish or remove what interrupted uploads left in storage.
    SWEEP_STORAGE = "sweep_storage"


#: The jobs the maintenance schedule enqueues every `DOCINTAKE_MAINTENANCE_INTERVAL_SECONDS`.
PERIODIC_KINDS = (JobKind.EXPIRE_LINKS, JobKind.SWEEP_STORAGE, JobKind.DELIVER_NOTICES)


@dataclass(frozen=True)
class Job:
    """One job: its kind and JSON-plain arguments (strings only, so every queue carries them)."""

    kind: JobKind
    args: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The job's identity: the same event always gives the same key."""
        parts = [self.kind.value, *(f"{name}={self.args[name]}" for name in sorted(self.args))]
        return ":".join(parts)


def send_link_job(link_id: UUID, version: int) -> Job:
    """The job for the `UploadLinkSendRequested` event at `version` of link `link_id`."""
    return Job(JobKind.SEND_LINK, {"link_id": str(link_id), "version": str(version)})


def notify_upload_job(file_id: UUID) -> Job:
    """The job for the `FileUploaded` event that created file `file_id`."""
    return Job(JobKind.NOTIFY_UPLOAD, {"file_id": str(file_id)})


def request_id_for(link_id: UUID, version: int) -> UUID:
    """The `request_id` recorded with `UploadLinkSent`/`UploadLinkSendFailed`.

    It is derived from the identity of the `UploadLinkSendRequested` event it
    answers (link id and that event's version, unique in the event store), so
    whoever records the outcome, however often, names the same request.
    """
    return uuid5(_REQUEST_NAMESPACE, f"{link_id}:{version}")


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
