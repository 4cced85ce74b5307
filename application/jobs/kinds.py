"""The kinds of background job there are, and one job's identity.

Jobs are made from the event log (`application.jobs.policy`), never from a
request: one per event that needs one, keyed by that event's identity, so that a
job enqueued or delivered twice still has its effect once (the handlers in
`application.jobs.handlers` check the key before acting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

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
    #: Send one outbox row to its webhook endpoint (from `application.webhook_policy`).
    DELIVER_WEBHOOK = "deliver_webhook"
    #: Scan a received file for malware (from `FileUploaded` while scanning is required).
    SCAN_FILE = "scan_file"
    #: Periodic: record `ReminderSent` on links whose reminder is due (inside the window).
    SCHEDULE_REMINDERS = "schedule_reminders"
    #: Mail a reminder to the client (from `ReminderSent`).
    SEND_REMINDER = "send_reminder"
    #: Periodic: delete received files whose retention period has ended.
    APPLY_RETENTION = "apply_retention"


#: The jobs the maintenance schedule enqueues every `DOCINTAKE_MAINTENANCE_INTERVAL_SECONDS`.
PERIODIC_KINDS = (
    JobKind.EXPIRE_LINKS,
    JobKind.SWEEP_STORAGE,
    JobKind.DELIVER_NOTICES,
    JobKind.SCHEDULE_REMINDERS,
    JobKind.APPLY_RETENTION,
)


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


def scan_file_job(file_id: UUID) -> Job:
    """The virus scan of the file `file_id` (from its `FileUploaded`)."""
    return Job(JobKind.SCAN_FILE, {"file_id": str(file_id)})


def send_reminder_job(link_id: UUID, version: int) -> Job:
    """The job for the `ReminderSent` event at `version` of link `link_id`."""
    return Job(JobKind.SEND_REMINDER, {"link_id": str(link_id), "version": str(version)})


def request_id_for(link_id: UUID, version: int) -> UUID:
    """The `request_id` recorded with `UploadLinkSent`/`UploadLinkSendFailed`.

    It is derived from the identity of the `UploadLinkSendRequested` event it
    answers (link id and that event's version, unique in the event store), so
    whoever records the outcome, however often, names the same request.
    """
    return uuid5(_REQUEST_NAMESPACE, f"{link_id}:{version}")
