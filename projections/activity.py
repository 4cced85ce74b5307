"""The activity history: per customer, one entry per event, newest first.

Each row keeps the event's type, time, actor and the data that matters, as
JSON; the words are put together when it is read (`activity_texts`). Events
about links and files name them by title or file name, which only their first
event carries: later events look it up in that first event's row. Deleting a
customer removes every row about it and leaves a tombstone, so that events
about the customer's links or files that arrive afterwards are not written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.utils import get_topic

from application.jobs.kinds import request_id_for
from domain.customer import Customer
from domain.received_file import ReceivedFile
from domain.sent_file import SentFile
from domain.upload_link import UploadLink
from projections.activity_texts import DEFAULT_LANGUAGE, summary
from projections.database import Database, Transaction
from projections.erasure import erased_customer
from projections.projector import DomainEvent
from projections.rows import (
    as_datetime,
    as_uuid,
    chunks,
    decode_cursor,
    encode_cursor,
    placeholders,
)

TABLE = "customer_activity"
DELETED = "customer_activity_deleted"

COLUMN_NAMES = ("aggregate_id", "version", "customer_id", "at", "type", "actor_id", "data")
COLUMNS = ", ".join(COLUMN_NAMES)


class Subjects:
    """Labels (link titles, file names) of the links and files a batch mentions."""

    def __init__(self, known: dict[UUID, str | None]) -> None:
        self.known = known

    def label(self, aggregate_id: UUID) -> str | None:
        return self.known.get(aggregate_id)

    def remember(self, aggregate_id: UUID, label: str | None) -> None:
        self.known[aggregate_id] = label


# What an event contributes to the history: its data, or None to leave no entry.
Describer = Callable[[DomainEvent, Subjects], dict[str, Any] | None]


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    type: str
    actor_id: UUID | None
    summary: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ActivityPage:
    items: list[ActivityItem]
    next_cursor: str | None


def as_json(data: dict[str, Any]) -> str:
    """Ids and times as text; sorted keys, so the same event always gives the same text
    (which `verify` compares)."""
    return msgspec.json.encode(data, order="sorted").decode()


def customer_of(event: DomainEvent) -> UUID:
    customer_id = getattr(event, "customer_id", None)
    return customer_id if isinstance(customer_id, UUID) else event.originator_id


# Customer events ------------------------------------------------------------------


def _created(e: Any, _: Subjects) -> dict[str, Any]:
    return {
        "name": e.name,
        "email": e.email,
        "company": e.company,
        "customer_number": e.customer_number,
    }


def _details_changed(e: Any, _: Subjects) -> dict[str, Any]:
    return {"changes": dict(e.changes)}


def _status_changed(e: Any, _: Subjects) -> dict[str, Any]:
    return {
        "old_status": e.old_status,
        "new_status": e.new_status,
        "automatic": e.reason == "automatic",
    }


def _note_added(e: Any, _: Subjects) -> dict[str, Any]:
    # The note itself stays with the notes: the history says only that one was added.
    return {"note_id": e.note_id}


# Upload links ------------------------------------------------------------------------


def _link_created(e: Any, subjects: Subjects) -> dict[str, Any]:
    subjects.remember(e.originator_id, e.title)
    return {
        "link_id": e.originator_id,
        "title": e.title,
        "expires_at": e.expires_at,
        "max_files": e.max_files,
        "password_protected": e.password_hash is not None,
        "requested_items": [item["label"] for item in e.requested_items],
    }


def _link(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {"link_id": e.originator_id, "title": subjects.label(e.originator_id)}


def _link_sent(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link(e, subjects), "to": e.to}


def _query_answered(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link(e, subjects), "file_id": e.file_id, "question": e.question}


def _file_query_answered(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {
        **_query_answered(e, subjects),
        "replaced_file_id": e.replaced_file_id,
        "filename": subjects.label(e.replaced_file_id),
    }


def _link_send_failed(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link_sent(e, subjects), "reason": e.reason}


def _reminder_sent(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link_sent(e, subjects), "missing": list(e.missing), "by_hand": e.slot is None}


def _link_expiry(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link(e, subjects), "expires_at": e.expires_at}


def _due_date_set(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link(e, subjects), "due_at": e.due_at}


def _reminders_switched(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link(e, subjects), "enabled": e.enabled}


def _reminder_schedule_set(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_link(e, subjects), "schedule": e.schedule}


# Received and sent files ---------------------------------------------------------------


def _file_uploaded(e: Any, subjects: Subjects) -> dict[str, Any]:
    subjects.remember(e.originator_id, e.filename)
    return {
        "file_id": e.originator_id,
        "filename": e.filename,
        "size": e.size,
        "content_type": e.content_type,
        "uploader_name": e.uploader_name,
        "link_id": e.link_id,
        "link_title": subjects.label(e.link_id),
    }


def _file(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {"file_id": e.originator_id, "filename": subjects.label(e.originator_id)}


def _file_deleted(e: Any, subjects: Subjects) -> dict[str, Any]:
    # No actor: the client who sent it took it back, or the retention period ended.
    reason = getattr(e, "reason", None) or ("by_client" if e.actor_id is None else "by_staff")
    return {**_file(e, subjects), "reason": reason, "by_client": reason == "by_client"}


def _file_reviewed(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_file(e, subjects), "state": e.state, "comment": e.comment}


def _file_quarantined(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {**_file(e, subjects), "signature": e.signature}


def _file_sent(e: Any, subjects: Subjects) -> dict[str, Any]:
    subjects.remember(e.originator_id, e.filename)
    return {
        "sent_file_id": e.originator_id,
        "filename": e.filename,
        "size": e.size,
        "expires_at": e.expires_at,
    }


def _sent_file(e: Any, subjects: Subjects) -> dict[str, Any]:
    return {"sent_file_id": e.originator_id, "filename": subjects.label(e.originator_id)}


DESCRIBERS: dict[type, Describer] = {
    Customer.CustomerCreated: _created,
    Customer.CustomerDetailsChanged: _details_changed,
    Customer.StatusChanged: _status_changed,
    Customer.NoteAdded: _note_added,
    Customer.NoteEdited: _note_added,
    Customer.NoteDeleted: _note_added,
    UploadLink.UploadLinkCreated: _link_created,
    # A send is one entry: "gesendet" (or its failure), not also the request before it.
    UploadLink.QuestionsSendRequested: _link_sent,
    UploadLink.UploadLinkSent: _link_sent,
    UploadLink.QueryAnswered: _query_answered,
    UploadLink.FileQueryAnswered: _file_query_answered,
    UploadLink.UploadLinkSendFailed: _link_send_failed,
    UploadLink.UploadLinkRevoked: _link,
    UploadLink.UploadLinkExpired: _link,
    UploadLink.PasswordAttemptFailed: _link,
    UploadLink.UploadLinkLocked: _link,
    UploadLink.UploadLinkUnlocked: _link,
    UploadLink.UploadLinkExtended: _link_expiry,
    UploadLink.UploadLinkReactivated: _link_expiry,
    UploadLink.DueDateSet: _due_date_set,
    UploadLink.TemplateUsed: _link,
    UploadLink.RemindersSwitched: _reminders_switched,
    UploadLink.ReminderScheduleSet: _reminder_schedule_set,
    UploadLink.ReminderSent: _reminder_sent,
    ReceivedFile.FileUploaded: _file_uploaded,
    ReceivedFile.FileReviewed: _file_reviewed,
    ReceivedFile.FileDeleted: _file_deleted,
    ReceivedFile.FileFoundClean: _file,
    ReceivedFile.FileQuarantined: _file_quarantined,
    ReceivedFile.FileScanFailed: _file,
    SentFile.FileSent: _file_sent,
    SentFile.SentFileDownloaded: _sent_file,
    SentFile.SentFileRevoked: _sent_file,
}
# The first events of the aggregates whose label later events need, and where it is.
LABELS = {
    UploadLink.UploadLinkCreated.__name__: "title",
    ReceivedFile.FileUploaded.__name__: "filename",
    SentFile.FileSent.__name__: "filename",
}
SUBJECT_STARTS = (UploadLink.UploadLinkCreated, ReceivedFile.FileUploaded, SentFile.FileSent)
# UploadLink.UploadReceived and UploadRemoved are the link's bookkeeping of the
# same moments as FileUploaded and FileDeleted: one entry each is enough.


class ActivityProjection:
    """Builds the activity history of every customer from customer, link and file events."""

    name = "customer_activity"

    def __init__(self) -> None:
        self._describers: dict[type, Describer] = dict(DESCRIBERS)
        self.topics: list[str] = [get_topic(Customer.CustomerDeleted)]
        self.topics += [get_topic(cls) for cls in self._describers]

    def register(self, event_class: type, describer: Describer) -> None:
        """Give another event class an entry in the history (its text goes in TEXTS)."""
        if event_class not in self._describers:
            self.topics.append(get_topic(event_class))
        self._describers[event_class] = describer

    def tables(self) -> Sequence[str]:
        return [TABLE, DELETED]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        table, deleted = (t + table_suffix for t in self.tables())
        id_type, time_type = (
            ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            f" aggregate_id {id_type} NOT NULL, version INTEGER NOT NULL,"
            f" customer_id {id_type} NOT NULL, at {time_type} NOT NULL,"
            f" type TEXT NOT NULL, actor_id {id_type}, data TEXT NOT NULL,"
            " PRIMARY KEY (aggregate_id, version))"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_customer_idx"
            f" ON {table} (customer_id, at, aggregate_id, version)"
        )
        tx.execute(f"CREATE TABLE IF NOT EXISTS {deleted} (customer_id {id_type} PRIMARY KEY)")

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        table, deleted_table = (t + table_suffix for t in self.tables())
        describers = self._describers
        wanted = [e for e in events if type(e) in describers or erased_customer(e) is not None]
        if not wanted:
            return
        # Only events of links and files can come after their customer's deletion (the
        # customer itself refuses them), and not for a customer still alive in this batch.
        alive = {
            e.originator_id
            for e in wanted
            if isinstance(e, Customer.Event) and not isinstance(e, Customer.CustomerDeleted)
        }
        suspects = {
            customer_of(e)
            for e in wanted
            if not isinstance(e, Customer.Event) and erased_customer(e) is None
        } - alive
        deleted = self._tombstones(tx, deleted_table, suspects)
        # Labels of links and files first seen in this batch are known without asking.
        mentioned = {
            e.originator_id
            for e in wanted
            if not isinstance(e, Customer.Event) and erased_customer(e) is None
        }
        mentioned |= {e.link_id for e in wanted if isinstance(e, ReceivedFile.FileUploaded)}
        mentioned |= {
            e.replaced_file_id for e in wanted if isinstance(e, UploadLink.FileQueryAnswered)
        }
        mentioned -= {e.originator_id for e in wanted if isinstance(e, SUBJECT_STARTS)}
        subjects = Subjects(self._labels(tx, table, mentioned))

        answered = self._question_mails(tx, table, wanted)
        rows: list[tuple[Any, ...]] = []
        newly_deleted: set[UUID] = set()
        for event in wanted:
            if isinstance(event, UploadLink.UploadLinkSent) and event.request_id in answered:
                # The questions' mail already has its entry, with who sent it.
                continue
            erased = erased_customer(event)
            if erased is not None:
                deleted.add(erased)
                newly_deleted.add(erased)
                continue
            customer_id = customer_of(event)
            if customer_id in deleted:
                continue
            data = describers[type(event)](event, subjects)
            if data is None:
                continue
            rows.append(
                (
                    event.originator_id,
                    event.originator_version,
                    customer_id,
                    event.timestamp,
                    type(event).__name__,
                    getattr(event, "actor_id", None),
                    as_json(data),
                )
            )

        if newly_deleted:
            tx.erasing()
            rows = [r for r in rows if r[2] not in newly_deleted]
            gone = sorted(newly_deleted, key=str)
            for part in chunks(gone):
                marks = placeholders(len(part))
                tx.execute(f"DELETE FROM {table} WHERE customer_id IN ({marks})", part)
            tx.executemany(
                f"INSERT INTO {deleted_table} (customer_id) VALUES (%s)"
                " ON CONFLICT (customer_id) DO NOTHING",
                [(c,) for c in gone],
            )
        # Plain appends: the tracking position makes sure no event comes twice.
        if rows:
            tx.copy_rows(table, COLUMN_NAMES, rows)

    @staticmethod
    def _question_mails(tx: Transaction, table: str, events: Sequence[DomainEvent]) -> set[UUID]:
        """The request ids of the follow-up mails whose `UploadLinkSent` is in `events`: those
        requests are in this batch or already in the table (one entry per mail)."""
        sent = {e.originator_id for e in events if isinstance(e, UploadLink.UploadLinkSent)}
        if not sent:
            return set()
        asked = {
            (e.originator_id, e.originator_version)
            for e in events
            if isinstance(e, UploadLink.QuestionsSendRequested)
        }
        for part in chunks(sorted(sent, key=str)):
            for row in tx.fetchall(
                f"SELECT aggregate_id, version FROM {table} WHERE type = %s"
                f" AND aggregate_id IN ({placeholders(len(part))})",
                [UploadLink.QuestionsSendRequested.__name__, *part],
            ):
                asked.add((as_uuid(row["aggregate_id"]), int(row["version"])))
        return {request_id_for(link_id, version) for link_id, version in asked}

    @staticmethod
    def _tombstones(tx: Transaction, table: str, customers: set[UUID]) -> set[UUID]:
        found: set[UUID] = set()
        for part in chunks(sorted(customers, key=str)):
            for row in tx.fetchall(
                f"SELECT customer_id FROM {table} WHERE customer_id IN ({placeholders(len(part))})",
                part,
            ):
                found.add(as_uuid(row["customer_id"]))
        return found

    @staticmethod
    def _labels(tx: Transaction, table: str, ids: set[UUID]) -> dict[UUID, str | None]:
        """Titles and file names, from the rows of the links' and files' first events."""
        labels: dict[UUID, str | None] = {}
        for part in chunks(sorted(ids, key=str)):
            for row in tx.fetchall(
                f"SELECT aggregate_id, type, data FROM {table}"
                f" WHERE version = 1 AND aggregate_id IN ({placeholders(len(part))})",
                part,
            ):
                field = LABELS.get(row["type"])
                if field is not None:
                    labels[as_uuid(row["aggregate_id"])] = msgspec.json.decode(row["data"]).get(
                        field
                    )
        return labels


class ActivityView:
    """A customer's activity, newest first, a page at a time."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def page(
        self,
        customer_id: UUID,
        *,
        limit: int = 50,
        cursor: str | None = None,
        lang: str = DEFAULT_LANGUAGE,
        zone: str | None = None,
    ) -> ActivityPage:
        """Raises ValueError for a cursor not handed out by this view.

        The caller checks that the customer belongs to the reader's organisation.
        """
        where = "customer_id = %s"
        params: list[Any] = [customer_id]
        if cursor:
            last_at, aggregate_id, version = decode_cursor(cursor, 3)
            try:
                key = (as_datetime(last_at), as_uuid(aggregate_id), int(version))
            except ValueError as error:
                raise ValueError("not a valid cursor") from error
            where += " AND (at, aggregate_id, version) < (%s, %s, %s)"
            params += list(key)
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT {COLUMNS} FROM {TABLE} WHERE {where}"
                " ORDER BY at DESC, aggregate_id DESC, version DESC LIMIT %s",
                [*params, limit + 1],
            )
        more = len(rows) > limit
        rows = rows[:limit]
        items = []
        for row in rows:
            data = msgspec.json.decode(row["data"])
            at = as_datetime(row["at"])
            assert at is not None
            items.append(
                ActivityItem(
                    at=at,
                    type=row["type"],
                    actor_id=as_uuid(row["actor_id"]) if row["actor_id"] else None,
                    summary=summary(row["type"], data, lang, zone),
                    data=data,
                )
            )
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = encode_cursor([last["at"], last["aggregate_id"], last["version"]])
        return ActivityPage(items=items, next_cursor=next_cursor)
