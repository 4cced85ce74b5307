"""A customer's links, received files and sent files, for the detail page in one query each."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.customer import Customer
from domain.received_file import ReceivedFile
from domain.sent_file import SentFile
from domain.upload_link import UploadLink
from projections.database import Database, Transaction
from projections.erasure import erased_customer
from projections.projector import DomainEvent
from projections.rows import as_uuid, row_as
from projections.schema import columns, table_exists
from projections.tracking import set_position

LINKS = "customer_links"
#: Due date, reminders and template of a link (a table of its own: older links have no row).
LINK_DUE = "customer_link_due"
FILES = "customer_files"
SENT = "customer_sent_files"
NOTES = "customer_notes"
#: Follow-up questions on files of no requested document that the client answered with a
#: replacement: the queried file -> the answer.
FILE_ANSWERS = "customer_file_answers"


@dataclass(frozen=True)
class LinkRow:
    id: UUID
    customer_id: UUID
    token: str
    title: str | None
    message: str | None
    status: str
    locked: bool
    expires_at: datetime
    max_file_size: int
    max_files: int | None
    allowed_types: list[str]
    password_protected: bool
    requested_items: list[dict[str, Any]]
    upload_count: int
    created_at: datetime
    last_sent_at: datetime | None
    last_sent_to: str | None
    send_failure: str | None
    due_at: datetime | None = None
    due_set_at: datetime | None = None
    reminders_enabled: bool = True
    reminders_sent: int = 0
    last_reminder_slot: int | None = None
    template_id: UUID | None = None
    # The link's own reminder schedule (plain), None: the organisation's.
    own_schedule: dict[str, Any] | None = None

    def status_at(self, now: datetime) -> str:
        if self.status == "active" and now >= self.expires_at:
            return "expired"
        return self.status

    @classmethod
    def of(cls, link: UploadLink) -> LinkRow:
        """The row the projection writes, from the aggregate (for answers that must not
        wait for the read model)."""
        return cls(
            id=link.id,
            customer_id=link.customer_id,
            token=link.token,
            title=link.title,
            message=link.message,
            status=link.status(datetime.now(UTC)),
            locked=link.locked,
            expires_at=link.expires_at,
            max_file_size=link.max_file_size,
            max_files=link.max_files,
            allowed_types=link.allowed_types,
            password_protected=link.password_protected,
            requested_items=[
                {
                    "id": str(item["id"]),
                    "label": item["label"],
                    "received": link.received_items.get(str(item["id"]), 0),
                }
                | ({"hint": item["hint"]} if item.get("hint") else {})
                | (
                    {"review": link.reviews[str(item["id"])]}
                    if str(item["id"]) in link.reviews
                    else {}
                )
                for item in link.requested_items
            ],
            upload_count=link.upload_count,
            created_at=link.created_on,
            last_sent_at=link.last_sent_at,
            last_sent_to=None,
            send_failure=link.send_failure,
            due_at=link.due_at,
            due_set_at=link.due_set_at,
            reminders_enabled=link.reminders_enabled,
            reminders_sent=link.reminders_sent,
            last_reminder_slot=link.last_reminder_slot,
            template_id=link.template_id,
            own_schedule=link.own_schedule,
        )


@dataclass(frozen=True)
class FileRow:
    id: UUID
    customer_id: UUID
    link_id: UUID
    item_id: UUID | None
    filename: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: datetime
    uploader_name: str | None
    review_state: str
    review_comment: str | None
    reviewer_id: UUID | None
    reviewed_at: datetime | None
    scan_state: str
    scan_signature: str | None

    @classmethod
    def of(cls, received: ReceivedFile) -> FileRow:
        """The row the projection writes, from the aggregate."""
        return cls(
            id=received.id,
            customer_id=received.customer_id,
            link_id=received.link_id,
            item_id=received.item_id,
            filename=received.filename,
            size=received.size,
            content_type=received.content_type,
            sha256=received.sha256,
            uploaded_at=received.created_on,
            uploader_name=received.uploader_name,
            review_state=received.review_state,
            review_comment=received.review_comment,
            reviewer_id=received.reviewer_id,
            reviewed_at=None if received.review_state == "pending" else received.modified_on,
            scan_state=received.scan_state,
            scan_signature=received.scan_signature,
        )


@dataclass(frozen=True)
class NoteRow:
    id: UUID
    text: str
    author_id: UUID | None
    created_at: datetime
    edited_at: datetime | None = None


@dataclass(frozen=True)
class SentFileRow:
    id: UUID
    customer_id: UUID
    token: str
    filename: str
    size: int
    expires_at: datetime
    downloaded_at: datetime | None
    revoked: bool
    created_at: datetime

    @classmethod
    def of(cls, sent: SentFile) -> SentFileRow:
        """The row the projection writes, from the aggregate."""
        return cls(
            id=sent.id,
            customer_id=sent.customer_id,
            token=sent.token,
            filename=sent.filename,
            size=sent.size,
            expires_at=sent.expires_at,
            downloaded_at=sent.downloaded_at,
            revoked=sent.revoked,
            created_at=sent.created_on,
        )


Apply = Callable[[Transaction, str, DomainEvent], None]


class CustomerDetailProjection:
    """Builds the link, file and sent-file tables of the customer detail."""

    name = "customer_detail"

    def __init__(self) -> None:
        self._handlers: dict[type, Apply] = {
            UploadLink.UploadLinkCreated: self._link_created,
            UploadLink.UploadReceived: self._upload_received,
            UploadLink.UploadRemoved: self._upload_removed,
            UploadLink.ItemQueried: self._item_review,
            UploadLink.ItemChecked: self._item_review,
            UploadLink.ItemReviewReset: self._item_review,
            UploadLink.QueryAnswered: self._item_review,
            UploadLink.FileQueryAnswered: self._file_query_answered,
            UploadLink.UploadLinkRevoked: self._link_status("revoked"),
            UploadLink.UploadLinkExpired: self._link_status("expired"),
            UploadLink.UploadLinkExtended: self._link_expiry,
            UploadLink.UploadLinkReactivated: self._link_expiry,
            UploadLink.UploadLinkLocked: self._link_locked(True),
            UploadLink.UploadLinkUnlocked: self._link_locked(False),
            UploadLink.UploadLinkSent: self._link_sent,
            UploadLink.UploadLinkSendFailed: self._link_send_failed,
            UploadLink.DueDateSet: self._due_date_set,
            UploadLink.TemplateUsed: self._template_used,
            UploadLink.RemindersSwitched: self._reminders_switched,
            UploadLink.ReminderScheduleSet: self._reminder_schedule_set,
            UploadLink.ReminderSent: self._reminder_sent,
            ReceivedFile.FileUploaded: self._file_uploaded,
            ReceivedFile.FileReviewed: self._file_reviewed,
            ReceivedFile.FileDeleted: self._file_deleted,
            ReceivedFile.FileFoundClean: self._file_scanned("clean"),
            ReceivedFile.FileQuarantined: self._file_scanned("infected"),
            ReceivedFile.FileScanFailed: self._file_scanned("failed"),
            SentFile.FileSent: self._file_sent,
            SentFile.SentFileDownloaded: self._sent_file_downloaded,
            SentFile.SentFileRevoked: self._sent_file_revoked,
            Customer.NoteAdded: self._note_added,
            Customer.NoteEdited: self._note_edited,
            Customer.NoteDeleted: self._note_deleted,
        }
        self.topics = [get_topic(cls) for cls in (*self._handlers, Customer.CustomerDeleted)]

    def tables(self) -> Sequence[str]:
        return [LINKS, FILES, SENT, NOTES, LINK_DUE, FILE_ANSWERS]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        if not table_suffix:
            self._drop_older_shape(tx)
        uuid, time = ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {LINKS}{table_suffix} ("
            f" id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, token TEXT NOT NULL,"
            " title TEXT, message TEXT, status TEXT NOT NULL, locked BOOLEAN NOT NULL,"
            f" expires_at {time} NOT NULL, max_file_size BIGINT NOT NULL, max_files INTEGER,"
            " allowed_types TEXT NOT NULL, password_protected BOOLEAN NOT NULL,"
            " requested_items TEXT NOT NULL, upload_count INTEGER NOT NULL,"
            f" created_at {time} NOT NULL, last_sent_at {time}, last_sent_to TEXT,"
            " send_failure TEXT)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {LINK_DUE}{table_suffix} ("
            f" link_id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, due_at {time},"
            f" due_set_at {time}, enabled BOOLEAN NOT NULL, sent_count INTEGER NOT NULL,"
            f" last_slot INTEGER, expires_at {time} NOT NULL, missing INTEGER NOT NULL,"
            f" closed BOOLEAN NOT NULL, template_id {uuid}, schedule TEXT)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {LINK_DUE}{table_suffix}_customer_idx"
            f" ON {LINK_DUE}{table_suffix} (customer_id)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {LINK_DUE}{table_suffix}_due_idx"
            f" ON {LINK_DUE}{table_suffix} (due_at)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {FILES}{table_suffix} ("
            f" id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, link_id {uuid} NOT NULL,"
            f" item_id {uuid}, filename TEXT NOT NULL, size BIGINT NOT NULL,"
            " content_type TEXT NOT NULL, sha256 TEXT NOT NULL,"
            f" uploaded_at {time} NOT NULL, uploader_name TEXT, review_state TEXT NOT NULL,"
            f" review_comment TEXT, reviewer_id {uuid}, reviewed_at {time},"
            " scan_state TEXT NOT NULL, scan_signature TEXT)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {SENT}{table_suffix} ("
            f" id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, token TEXT NOT NULL,"
            f" filename TEXT NOT NULL, size BIGINT NOT NULL, expires_at {time} NOT NULL,"
            f" downloaded_at {time}, revoked BOOLEAN NOT NULL, created_at {time} NOT NULL)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {NOTES}{table_suffix} ("
            f" id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, text TEXT NOT NULL,"
            f" author_id {uuid}, created_at {time} NOT NULL, edited_at {time})"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {FILE_ANSWERS}{table_suffix} ("
            f" file_id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL,"
            f" answer_file_id {uuid} NOT NULL, question TEXT NOT NULL, answered_at {time} NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {FILE_ANSWERS}{table_suffix}_customer_idx"
            f" ON {FILE_ANSWERS}{table_suffix} (customer_id)"
        )
        for table, order in (
            (LINKS, "created_at"),
            (FILES, "uploaded_at"),
            (SENT, "created_at"),
            (NOTES, "created_at"),
        ):
            tx.execute(
                f"CREATE INDEX IF NOT EXISTS {table}{table_suffix}_customer_idx"
                f" ON {table}{table_suffix} (customer_id, {order})"
            )

    def _drop_older_shape(self, tx: Transaction) -> None:
        """Tables built by a version without virus scanning are dropped and built again
        from the first event."""
        older_files = table_exists(tx, FILES) and "scan_state" not in columns(tx, FILES)
        # ... or without notes that can be edited, or without links' own reminder schedules.
        older_notes = table_exists(tx, NOTES) and "edited_at" not in columns(tx, NOTES)
        older_due = table_exists(tx, LINK_DUE) and "schedule" not in columns(tx, LINK_DUE)
        if older_files or older_notes or older_due:
            for table in self.tables():
                tx.execute(f"DROP TABLE IF EXISTS {table}")
            set_position(tx, self.name, 0)

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        gone: set[UUID] = set()
        for event in events:
            customer_id = erased_customer(event)
            if customer_id is not None:
                if customer_id not in gone:
                    gone.add(customer_id)
                    self._remove_customer(tx, table_suffix, customer_id)
                continue
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(tx, table_suffix, event)

    # Links ------------------------------------------------------------------------

    @staticmethod
    def _link_created(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        items = [
            {"id": str(item["id"]), "label": item["label"], "received": 0}
            | ({"hint": item["hint"]} if item.get("hint") else {})
            for item in e.requested_items
        ]
        tx.execute(
            f"INSERT INTO {LINKS}{suffix} (id, customer_id, token, title, message, status, locked,"
            " expires_at, max_file_size, max_files, allowed_types, password_protected,"
            " requested_items, upload_count, created_at)"
            " VALUES (%s, %s, %s, %s, %s, 'active', %s, %s, %s, %s, %s, %s, %s, 0, %s)"
            " ON CONFLICT (id) DO NOTHING",
            (
                e.originator_id,
                e.customer_id,
                e.token,
                e.title,
                e.message,
                False,
                e.expires_at,
                e.max_file_size,
                e.max_files,
                json.dumps(e.allowed_types),
                e.password_hash is not None,
                json.dumps(items),
                e.timestamp,
            ),
        )

    def _count_item(self, tx: Transaction, suffix: str, e: DomainEvent, step: int) -> None:
        row = tx.fetchone(
            f"SELECT requested_items, upload_count FROM {LINKS}{suffix} WHERE id = %s",
            (e.originator_id,),
        )
        if row is None:
            return
        items = json.loads(row["requested_items"])
        for item in items:
            if e.item_id is not None and item["id"] == str(e.item_id):
                item["received"] = max(0, item["received"] + step)
                if step < 0 and item.get("review", {}).get("file_id") == str(e.file_id):
                    item.pop("review", None)
        tx.execute(
            f"UPDATE {LINKS}{suffix} SET requested_items = %s, upload_count = %s WHERE id = %s",
            (json.dumps(items), max(0, int(row["upload_count"]) + step), e.originator_id),
        )
        _refresh_due(tx, suffix, e.originator_id)

    def _upload_received(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._count_item(tx, suffix, e, +1)

    @staticmethod
    def _file_query_answered(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"INSERT INTO {FILE_ANSWERS}{suffix} (file_id, customer_id, answer_file_id, question,"
            " answered_at) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (file_id) DO UPDATE SET"
            " answer_file_id = excluded.answer_file_id, question = excluded.question,"
            " answered_at = excluded.answered_at",
            (e.replaced_file_id, e.customer_id, e.file_id, e.question, e.timestamp),
        )

    def _item_review(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        """A requested document's review: its state and open question live with the item."""
        if e.item_id is None:
            if isinstance(e, UploadLink.ItemQueried):
                # Asked again: the question is open again.
                tx.execute(f"DELETE FROM {FILE_ANSWERS}{suffix} WHERE file_id = %s", (e.file_id,))
            return  # a file of no document: its own review row says it
        row = tx.fetchone(
            f"SELECT requested_items FROM {LINKS}{suffix} WHERE id = %s", (e.originator_id,)
        )
        if row is None:
            return
        items = json.loads(row["requested_items"])
        for item in items:
            if item["id"] != str(e.item_id):
                continue
            if isinstance(e, UploadLink.ItemQueried):
                item["review"] = {
                    "state": "query",
                    "question": e.question,
                    "file_id": str(e.file_id),
                }
                item.pop("answered", None)
            elif isinstance(e, UploadLink.ItemChecked):
                item["review"] = {"state": "checked", "file_id": str(e.file_id)}
            elif isinstance(e, UploadLink.QueryAnswered):
                item.pop("review", None)
                item["answered"] = {"question": e.question, "file_id": str(e.file_id)}
            elif item.get("review", {}).get("file_id") == str(e.file_id):
                item.pop("review", None)
        tx.execute(
            f"UPDATE {LINKS}{suffix} SET requested_items = %s WHERE id = %s",
            (json.dumps(items), e.originator_id),
        )

    def _upload_removed(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._count_item(tx, suffix, e, -1)

    @staticmethod
    def _link_status(status: str) -> Apply:
        def apply(tx: Transaction, suffix: str, e: DomainEvent) -> None:
            tx.execute(
                f"UPDATE {LINKS}{suffix} SET status = %s WHERE id = %s", (status, e.originator_id)
            )
            _refresh_due(tx, suffix, e.originator_id)

        return apply

    @staticmethod
    def _link_expiry(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        """Extended or reactivated: active until the new expiry."""
        tx.execute(
            f"UPDATE {LINKS}{suffix} SET status = 'active', expires_at = %s WHERE id = %s",
            (e.expires_at, e.originator_id),
        )
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET expires_at = %s WHERE link_id = %s",
            (e.expires_at, e.originator_id),
        )
        _refresh_due(tx, suffix, e.originator_id)

    @staticmethod
    def _link_locked(locked: bool) -> Apply:
        def apply(tx: Transaction, suffix: str, e: DomainEvent) -> None:
            tx.execute(
                f"UPDATE {LINKS}{suffix} SET locked = %s WHERE id = %s", (locked, e.originator_id)
            )

        return apply

    @staticmethod
    def _link_sent(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"UPDATE {LINKS}{suffix} SET last_sent_at = %s, last_sent_to = %s, send_failure = NULL"
            " WHERE id = %s",
            (e.timestamp, e.to, e.originator_id),
        )

    @staticmethod
    def _due_row(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        row = tx.fetchone(
            f"SELECT expires_at FROM {LINKS}{suffix} WHERE id = %s", (e.originator_id,)
        )
        if row is None:
            return
        tx.execute(
            f"INSERT INTO {LINK_DUE}{suffix} (link_id, customer_id, enabled, sent_count,"
            " expires_at, missing, closed) VALUES (%s, %s, TRUE, 0, %s, 0, FALSE)"
            " ON CONFLICT (link_id) DO NOTHING",
            (e.originator_id, e.customer_id, row["expires_at"]),
        )
        _refresh_due(tx, suffix, e.originator_id)

    def _template_used(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._due_row(tx, suffix, e)
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET template_id = %s WHERE link_id = %s",
            (e.template_id, e.originator_id),
        )

    def _due_date_set(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._due_row(tx, suffix, e)
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET due_at = %s, due_set_at = %s, last_slot = NULL"
            " WHERE link_id = %s",
            (e.due_at, e.timestamp, e.originator_id),
        )

    def _reminders_switched(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._due_row(tx, suffix, e)
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET enabled = %s WHERE link_id = %s",
            (e.enabled, e.originator_id),
        )

    def _reminder_schedule_set(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._due_row(tx, suffix, e)
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET schedule = %s WHERE link_id = %s",
            (json.dumps(e.schedule) if e.schedule else None, e.originator_id),
        )
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET due_set_at = %s, last_slot = NULL"
            " WHERE link_id = %s AND due_at IS NOT NULL",
            (e.timestamp, e.originator_id),
        )

    def _reminder_sent(self, tx: Transaction, suffix: str, e: DomainEvent) -> None:
        self._due_row(tx, suffix, e)
        tx.execute(
            f"UPDATE {LINK_DUE}{suffix} SET sent_count = sent_count + 1,"
            " last_slot = COALESCE(%s, last_slot) WHERE link_id = %s",
            (e.slot, e.originator_id),
        )

    @staticmethod
    def _link_send_failed(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"UPDATE {LINKS}{suffix} SET send_failure = %s WHERE id = %s",
            (e.reason, e.originator_id),
        )

    # Files ------------------------------------------------------------------------

    @staticmethod
    def _file_uploaded(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"INSERT INTO {FILES}{suffix} (id, customer_id, link_id, item_id, filename, size,"
            " content_type, sha256, uploaded_at, uploader_name, review_state, scan_state)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'pending', %s)"
            " ON CONFLICT (id) DO NOTHING",
            (
                e.originator_id,
                e.customer_id,
                e.link_id,
                e.item_id,
                e.filename,
                e.size,
                e.content_type,
                e.sha256,
                e.timestamp,
                e.uploader_name,
                e.scan_state,
            ),
        )

    @staticmethod
    def _file_reviewed(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"UPDATE {FILES}{suffix} SET review_state = %s, review_comment = %s,"
            " reviewer_id = %s, reviewed_at = %s WHERE id = %s",
            (e.state, e.comment, e.actor_id, e.timestamp, e.originator_id),
        )

    @staticmethod
    def _file_scanned(state: str) -> Apply:
        def apply(tx: Transaction, suffix: str, e: DomainEvent) -> None:
            tx.execute(
                f"UPDATE {FILES}{suffix} SET scan_state = %s, scan_signature = %s WHERE id = %s",
                (state, getattr(e, "signature", None), e.originator_id),
            )

        return apply

    @staticmethod
    def _file_deleted(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(f"DELETE FROM {FILES}{suffix} WHERE id = %s", (e.originator_id,))
        tx.execute(f"DELETE FROM {FILE_ANSWERS}{suffix} WHERE file_id = %s", (e.originator_id,))

    @staticmethod
    def _file_sent(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"INSERT INTO {SENT}{suffix} (id, customer_id, token, filename, size, expires_at,"
            " revoked, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            (
                e.originator_id,
                e.customer_id,
                e.token,
                e.filename,
                e.size,
                e.expires_at,
                False,
                e.timestamp,
            ),
        )

    @staticmethod
    def _sent_file_downloaded(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"UPDATE {SENT}{suffix} SET downloaded_at = %s WHERE id = %s AND downloaded_at IS NULL",
            (e.timestamp, e.originator_id),
        )

    @staticmethod
    def _sent_file_revoked(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(f"UPDATE {SENT}{suffix} SET revoked = %s WHERE id = %s", (True, e.originator_id))

    @staticmethod
    def _note_added(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"INSERT INTO {NOTES}{suffix} (id, customer_id, text, author_id, created_at)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (e.note_id, e.originator_id, e.text, e.actor_id, e.timestamp),
        )

    @staticmethod
    def _note_edited(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        tx.execute(
            f"UPDATE {NOTES}{suffix} SET text = %s, edited_at = %s WHERE id = %s",
            (e.text, e.timestamp, e.note_id),
        )

    @staticmethod
    def _note_deleted(tx: Transaction, suffix: str, e: DomainEvent) -> None:
        # The note's words leave the read model; its events keep them for the auditors.
        tx.execute(f"DELETE FROM {NOTES}{suffix} WHERE id = %s", (e.note_id,))

    @staticmethod
    def _remove_customer(tx: Transaction, suffix: str, customer_id: UUID) -> None:
        tx.erasing()
        for table in (LINKS, FILES, SENT, NOTES, LINK_DUE, FILE_ANSWERS):
            tx.execute(f"DELETE FROM {table}{suffix} WHERE customer_id = %s", (customer_id,))


def _refresh_due(tx: Transaction, suffix: str, link_id: UUID) -> None:
    """Keep a due link's count of missing documents and whether it is closed (revoked or
    marked expired) in step with its link row, for the "überfällig" filter."""
    row = tx.fetchone(
        f"SELECT requested_items, upload_count, status FROM {LINKS}{suffix} WHERE id = %s",
        (link_id,),
    )
    if row is None:
        return
    items = json.loads(row["requested_items"])
    if items:
        missing = sum(1 for item in items if int(item["received"]) <= 0)
    else:
        missing = 0 if int(row["upload_count"]) > 0 else 1
    tx.execute(
        f"UPDATE {LINK_DUE}{suffix} SET missing = %s, closed = %s WHERE link_id = %s",
        (missing, row["status"] != "active", link_id),
    )


def overdue_customers_sql(table_suffix: str = "") -> str:
    """Ids of customers with an active link past its due date and documents missing
    (one parameter: now, used twice)."""
    return (
        f"SELECT customer_id FROM {LINK_DUE}{table_suffix}"
        " WHERE due_at <= %s AND expires_at > %s AND missing > 0 AND NOT closed"
    )


_LINK_COLUMNS = (
    "l.*, d.due_at, d.due_set_at, d.enabled AS reminders_enabled,"
    " d.sent_count AS reminders_sent, d.last_slot AS last_reminder_slot, d.template_id,"
    " d.schedule AS own_schedule"
    f" FROM {LINKS} AS l LEFT JOIN {LINK_DUE} AS d ON d.link_id = l.id"
)


class CustomerDetailView:
    """Queries for one customer's links and files (the caller checks the organisation)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def links(self, customer_id: UUID) -> list[LinkRow]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT {_LINK_COLUMNS} WHERE l.customer_id = %s ORDER BY l.created_at DESC, l.id",
                (customer_id,),
            )
        return [row_as(LinkRow, r) for r in rows]

    def link(self, link_id: UUID) -> LinkRow | None:
        with self.database.reading() as tx:
            row = tx.fetchone(f"SELECT {_LINK_COLUMNS} WHERE l.id = %s", (link_id,))
        return row_as(LinkRow, row) if row else None

    def active_links(self, customer_id: UUID) -> list[LinkRow]:
        now = datetime.now(UTC)
        return [link for link in self.links(customer_id) if link.status_at(now) == "active"]

    def files(self, customer_id: UUID) -> list[FileRow]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT * FROM {FILES} WHERE customer_id = %s ORDER BY uploaded_at DESC, id",
                (customer_id,),
            )
        return [row_as(FileRow, r) for r in rows]

    def files_of_link(self, customer_id: UUID, link_id: UUID, limit: int = 500) -> list[FileRow]:
        """The files received through one link, oldest first (at most `limit`, the newest)."""
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT * FROM {FILES} WHERE customer_id = %s AND link_id = %s"
                f" ORDER BY uploaded_at DESC, id LIMIT {int(limit)}",
                (customer_id, link_id),
            )
        return [row_as(FileRow, r) for r in reversed(rows)]

    def file_answers(self, customer_id: UUID) -> dict[UUID, UUID]:
        """Files of no requested document whose question the client answered -> the answer."""
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT file_id, answer_file_id FROM {FILE_ANSWERS} WHERE customer_id = %s",
                (customer_id,),
            )
        return {as_uuid(r["file_id"]): as_uuid(r["answer_file_id"]) for r in rows}

    def file(self, file_id: UUID) -> FileRow | None:
        with self.database.reading() as tx:
            row = tx.fetchone(f"SELECT * FROM {FILES} WHERE id = %s", (file_id,))
        return row_as(FileRow, row) if row else None

    def sent_files(self, customer_id: UUID) -> list[SentFileRow]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT * FROM {SENT} WHERE customer_id = %s ORDER BY created_at DESC, id",
                (customer_id,),
            )
        return [row_as(SentFileRow, r) for r in rows]

    def notes(self, customer_id: UUID) -> list[NoteRow]:
        """Internal notes, oldest first."""
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT * FROM {NOTES} WHERE customer_id = %s ORDER BY created_at, id",
                (customer_id,),
            )
        return [row_as(NoteRow, r) for r in rows]

    def note(self, customer_id: UUID, note_id: UUID) -> NoteRow | None:
        with self.database.reading() as tx:
            row = tx.fetchone(
                f"SELECT * FROM {NOTES} WHERE customer_id = %s AND id = %s",
                (customer_id, note_id),
            )
        return row_as(NoteRow, row) if row else None
