"""The staff inbox: notices of what clients did and what went wrong, per organisation,
and which of them each member has read.

Notices hold ids only (customer, link, file) and their kind and time; the view finds
the customer's name, the file's name and the link's title in the other read models
when it is asked, so an erased customer's notices go with the customer (they are
removed here too). Kinds: `upload` (a client uploaded), `answer` (a client uploaded
for a document staff had queried), `link_send_failed` (a link mail could not be
delivered), `reminder_sent` (a reminder went to the client), `file_infected` (the scanner
found malware in an upload); a new kind is one line in `NOTICES`. Members who switched
upload mails off see no `upload` or `answer` notices either (`SWITCHED`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from domain.customer import Customer
from domain.inbox import MemberInbox
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from projections.customer_detail import FILES, LINKS
from projections.customer_list import TABLE as CUSTOMERS_LIST
from projections.database import Database, Row, Transaction
from projections.erasure import erased_customer
from projections.projector import DomainEvent
from projections.rows import as_uuid, row_as

NOTICES_TABLE = "inbox_notices"
READS = "inbox_reads"
OWNERS = "inbox_customers"
UPLOADS = "inbox_files"
QUERIES = "inbox_queries"

_NOTICE_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/inbox-notice")

#: Events that become a notice for every member, besides uploads and answers: the kind,
#: and what the event's aggregate is (`link` or `file`).
NOTICES: dict[type, tuple[str, str]] = {
    UploadLink.UploadLinkSendFailed: ("link_send_failed", "link"),
    UploadLink.ReminderSent: ("reminder_sent", "link"),
    ReceivedFile.FileQuarantined: ("file_infected", "file"),
}
#: Kinds a member's mail switch also hides in the inbox: kind -> the switch.
SWITCHED: dict[str, str] = {"upload": "uploads", "answer": "uploads"}


def notice_id(event: Any) -> UUID:
    return uuid5(_NOTICE_NAMESPACE, f"{event.originator_id}:{event.originator_version}")


def _item_key(item_id: UUID | None) -> str:
    return str(item_id) if item_id is not None else "-"


@dataclass(frozen=True)
class Notice:
    id: UUID
    kind: str
    at: datetime
    customer_id: UUID
    customer_name: str | None
    link_id: UUID | None
    link_title: str | None
    file_id: UUID | None
    filename: str | None
    read: bool


class InboxProjection:
    name = "inbox"

    def __init__(self) -> None:
        handled = (
            Customer.CustomerCreated,
            Customer.CustomerDeleted,
            ReceivedFile.FileUploaded,
            ReceivedFile.FileReviewed,
            MemberInbox.NoticesRead,
            *NOTICES,
        )
        self.topics = [get_topic(cls) for cls in handled]

    def tables(self) -> Sequence[str]:
        return [NOTICES_TABLE, READS, OWNERS, UPLOADS, QUERIES]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        s = table_suffix
        uuid, time = ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {NOTICES_TABLE}{s} ("
            f" id {uuid} PRIMARY KEY, organization_id {uuid} NOT NULL, kind TEXT NOT NULL,"
            f" customer_id {uuid} NOT NULL, link_id {uuid}, file_id {uuid}, at {time} NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {NOTICES_TABLE}{s}_organization_idx"
            f" ON {NOTICES_TABLE}{s} (organization_id, at)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {NOTICES_TABLE}{s}_customer_idx"
            f" ON {NOTICES_TABLE}{s} (customer_id)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {READS}{s} ("
            f" member_id {uuid} NOT NULL, notice_id {uuid} NOT NULL,"
            " PRIMARY KEY (member_id, notice_id))"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {OWNERS}{s} ("
            f" customer_id {uuid} PRIMARY KEY, organization_id {uuid} NOT NULL)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {UPLOADS}{s} ("
            f" file_id {uuid} PRIMARY KEY, customer_id {uuid} NOT NULL, link_id {uuid} NOT NULL,"
            " item_key TEXT NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {UPLOADS}{s}_customer_idx ON {UPLOADS}{s} (customer_id)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {QUERIES}{s} ("
            f" link_id {uuid} NOT NULL, item_key TEXT NOT NULL, customer_id {uuid} NOT NULL,"
            " PRIMARY KEY (link_id, item_key))"
        )

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        s = table_suffix
        for event in events:
            if (gone := erased_customer(event)) is not None:
                self._forget(tx, gone, s)
            elif isinstance(event, Customer.CustomerCreated):
                tx.execute(
                    f"INSERT INTO {OWNERS}{s} (customer_id, organization_id) VALUES (%s, %s)"
                    " ON CONFLICT (customer_id) DO NOTHING",
                    (event.originator_id, event.organization_id),
                )
            elif isinstance(event, ReceivedFile.FileUploaded):
                self._uploaded(tx, event, s)
            elif isinstance(event, ReceivedFile.FileReviewed):
                self._reviewed(tx, event, s)
            elif isinstance(event, MemberInbox.NoticesRead):
                tx.executemany(
                    f"INSERT INTO {READS}{s} (member_id, notice_id) VALUES (%s, %s)"
                    " ON CONFLICT (member_id, notice_id) DO NOTHING",
                    [(event.member_id, notice) for notice in event.notice_ids],
                )
            elif type(event) in NOTICES:
                kind, role = NOTICES[type(event)]
                row = tx.fetchone(
                    f"SELECT organization_id FROM {OWNERS}{s} WHERE customer_id = %s",
                    (event.customer_id,),
                )
                if row is not None:
                    link_id = event.originator_id if role == "link" else None
                    file_id = event.originator_id if role == "file" else None
                    self._notice(
                        tx, event, s, as_uuid(row["organization_id"]), kind, link_id, file_id
                    )

    def _notice(
        self,
        tx: Transaction,
        event: Any,
        s: str,
        organization_id: UUID,
        kind: str,
        link_id: UUID | None,
        file_id: UUID | None,
    ) -> None:
        tx.execute(
            f"INSERT INTO {NOTICES_TABLE}{s} (id, organization_id, kind, customer_id, link_id,"
            " file_id, at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (
                notice_id(event),
                organization_id,
                kind,
                event.customer_id,
                link_id,
                file_id,
                event.timestamp,
            ),
        )

    def _uploaded(self, tx: Transaction, event: Any, s: str) -> None:
        key = _item_key(event.item_id)
        tx.execute(
            f"INSERT INTO {UPLOADS}{s} (file_id, customer_id, link_id, item_key)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (file_id) DO NOTHING",
            (event.originator_id, event.customer_id, event.link_id, key),
        )
        if event.actor_id is not None:
            return  # staff's own upload: nothing to tell staff
        answered = tx.fetchone(
            f"DELETE FROM {QUERIES}{s} WHERE link_id = %s AND item_key = %s RETURNING link_id",
            (event.link_id, key),
        )
        kind = "answer" if answered is not None else "upload"
        self._notice(tx, event, s, event.organization_id, kind, event.link_id, event.originator_id)

    def _reviewed(self, tx: Transaction, event: Any, s: str) -> None:
        upload = tx.fetchone(
            f"SELECT link_id, item_key FROM {UPLOADS}{s} WHERE file_id = %s",
            (event.originator_id,),
        )
        if upload is None:
            return
        if event.state == "query":
            tx.execute(
                f"INSERT INTO {QUERIES}{s} (link_id, item_key, customer_id) VALUES (%s, %s, %s)"
                " ON CONFLICT (link_id, item_key) DO NOTHING",
                (upload["link_id"], upload["item_key"], event.customer_id),
            )
        else:
            tx.execute(
                f"DELETE FROM {QUERIES}{s} WHERE link_id = %s AND item_key = %s",
                (upload["link_id"], upload["item_key"]),
            )

    def _forget(self, tx: Transaction, customer_id: UUID, s: str) -> None:
        tx.execute(
            f"DELETE FROM {READS}{s} WHERE notice_id IN"
            f" (SELECT id FROM {NOTICES_TABLE}{s} WHERE customer_id = %s)",
            (customer_id,),
        )
        for table in (NOTICES_TABLE, OWNERS, UPLOADS, QUERIES):
            tx.execute(f"DELETE FROM {table}{s} WHERE customer_id = %s", (customer_id,))


def _hidden(kinds: Collection[str]) -> tuple[str, list[Any]]:
    if not kinds:
        return "", []
    marks = ", ".join(["%s"] * len(kinds))
    return f" AND n.kind NOT IN ({marks})", list(kinds)


class InboxView:
    """A member's notices: of the member's organisation, since the member joined, without
    the kinds the member's switches hide."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def notices(
        self,
        organization_id: UUID,
        member_id: UUID,
        since: datetime,
        hidden_kinds: Collection[str],
        limit: int = 50,
    ) -> list[Notice]:
        hidden, values = _hidden(hidden_kinds)
        with self.database.reading() as tx:
            rows = tx.fetchall(
                "SELECT n.id, n.kind, n.at, n.customer_id, n.link_id, n.file_id,"
                " c.name AS customer_name, l.title AS link_title, f.filename AS filename,"
                " r.notice_id AS read_id"
                f" FROM {NOTICES_TABLE} n"
                f" JOIN {CUSTOMERS_LIST} c ON c.id = n.customer_id"
                f" LEFT JOIN {LINKS} l ON l.id = n.link_id"
                f" LEFT JOIN {FILES} f ON f.id = n.file_id"
                f" LEFT JOIN {READS} r ON r.notice_id = n.id AND r.member_id = %s"
                f" WHERE n.organization_id = %s AND n.at >= %s{hidden}"
                f" ORDER BY n.at DESC, n.id LIMIT {int(limit)}",
                (member_id, organization_id, since, *values),
            )
        return [_notice(row) for row in rows]

    def unread(
        self,
        organization_id: UUID,
        member_id: UUID,
        since: datetime,
        hidden_kinds: Collection[str],
    ) -> list[UUID]:
        hidden, values = _hidden(hidden_kinds)
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT n.id FROM {NOTICES_TABLE} n"
                f" JOIN {CUSTOMERS_LIST} c ON c.id = n.customer_id"
                f" WHERE n.organization_id = %s AND n.at >= %s{hidden}"
                f" AND NOT EXISTS (SELECT 1 FROM {READS} r"
                "  WHERE r.notice_id = n.id AND r.member_id = %s)",
                (organization_id, since, *values, member_id),
            )
        return [as_uuid(row["id"]) for row in rows]


def _notice(row: Row) -> Notice:
    return row_as(Notice, row, read=row["read_id"] is not None)
