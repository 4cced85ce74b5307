"""The customer list: one row per customer, searched, filtered, sorted and paged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.customer import Customer
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from projections.database import Database, Row, Transaction
from projections.erasure import erased_customer
from projections.projection import DomainEvent
from projections.rows import (
    as_datetime,
    as_uuid,
    chunks,
    decode_cursor,
    encode_cursor,
    like_pattern,
    placeholders,
)

TABLE = "customer_list"
# Customers without an upload sort as if their last upload were at the epoch.
NO_UPLOAD = datetime(1970, 1, 1, tzinfo=UTC)
SEARCH_SEPARATOR = "\x1f"

COLUMN_NAMES = (
    *("id", "organization_id", "name", "name_key", "email", "company", "status"),
    *("link_count", "file_count", "last_upload_at", "last_upload_sort", "created_at"),
    *("updated_at", "search_text"),
)
COLUMNS = ", ".join(COLUMN_NAMES)

SORTS: dict[str, tuple[str, bool]] = {
    "name": ("name_key", False),
    "-name": ("name_key", True),
    "created_at": ("created_at", False),
    "-created_at": ("created_at", True),
    "last_upload_at": ("last_upload_sort", False),
    "-last_upload_at": ("last_upload_sort", True),
}


@dataclass(frozen=True)
class CustomerSummary:
    id: UUID
    name: str
    email: str | None
    company: str | None
    status: str
    link_count: int
    file_count: int
    last_upload_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CustomerPage:
    items: list[CustomerSummary]
    next_cursor: str | None
    total: int


def search_text(name: str, email: str | None, company: str | None) -> str:
    return SEARCH_SEPARATOR.join(part.casefold() for part in (name, email or "", company or ""))


Handler = Callable[[dict[str, Any], DomainEvent], None]


class CustomerListProjection:
    """Builds `customer_list` from customer, upload link and file events.

    A batch loads the rows it touches once, applies the events in memory and
    writes each changed row once: far fewer statements than one per event.
    """

    name = "customer_list"

    def __init__(self) -> None:
        self._handlers: dict[type, Handler] = {
            Customer.CustomerDetailsChanged: self._details_changed,
            Customer.StatusChanged: self._status_changed,
            Customer.NoteAdded: self._touched,
            UploadLink.UploadLinkCreated: self._link_opened,
            UploadLink.UploadLinkRevoked: self._link_closed,
            UploadLink.UploadLinkExpired: self._link_closed,
            ReceivedFile.FileUploaded: self._file_uploaded,
            ReceivedFile.FileDeleted: self._file_deleted,
        }
        self.handled = (Customer.CustomerCreated, Customer.CustomerDeleted, *self._handlers)
        self.topics = [get_topic(cls) for cls in self.handled]

    def register(self, event_class: type, handler: Handler) -> None:
        """Let another part of the domain (links, files) move a customer's row."""
        self._handlers[event_class] = handler
        self.handled = (*self.handled, event_class)
        self.topics.append(get_topic(event_class))

    def tables(self) -> Sequence[str]:
        return [TABLE]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        table = TABLE + table_suffix
        id_type, time_type = (
            ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            f" id {id_type} PRIMARY KEY,"
            f" organization_id {id_type} NOT NULL,"
            " name TEXT NOT NULL, name_key TEXT NOT NULL, email TEXT, company TEXT,"
            " status TEXT NOT NULL,"
            " link_count INTEGER NOT NULL, file_count INTEGER NOT NULL,"
            f" last_upload_at {time_type}, last_upload_sort {time_type} NOT NULL,"
            f" created_at {time_type} NOT NULL, updated_at {time_type} NOT NULL,"
            " search_text TEXT NOT NULL)"
        )
        for column in ("name_key", "created_at", "last_upload_sort", "status"):
            tx.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_{column}_idx"
                f" ON {table} (organization_id, {column}, id)"
            )
        if tx.dialect == "postgres":
            tx.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            tx.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_idx"
                f" ON {table} USING gin (search_text gin_trgm_ops)"
            )

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        table = TABLE + table_suffix
        wanted = [e for e in events if isinstance(e, self.handled) or erased_customer(e)]
        if not wanted:
            return
        # Customers created in this batch have no row yet: no need to look for one.
        created = {e.originator_id for e in wanted if isinstance(e, Customer.CustomerCreated)}
        rows = self._load(tx, table, {self._customer_id(e) for e in wanted} - created)
        existing = set(rows)
        changed: set[UUID] = set()
        deleted: set[UUID] = set()
        for event in wanted:
            customer_id = self._customer_id(event)
            if erased_customer(event) is not None:
                rows.pop(customer_id, None)
                deleted.add(customer_id)
                changed.discard(customer_id)
                continue
            if isinstance(event, Customer.CustomerCreated):
                rows[customer_id] = self._new_row(event)
                deleted.discard(customer_id)
            elif customer_id in rows:
                self._handlers[type(event)](rows[customer_id], event)
            else:
                continue
            changed.add(customer_id)
        self._write(
            tx,
            table,
            [rows[i] for i in changed - existing],
            [rows[i] for i in changed & existing],
            deleted,
        )

    @staticmethod
    def _customer_id(event: DomainEvent) -> UUID:
        customer_id = getattr(event, "customer_id", None)
        return customer_id if isinstance(customer_id, UUID) else event.originator_id

    @staticmethod
    def _new_row(event: Customer.CustomerCreated) -> dict[str, Any]:
        return {
            "id": event.originator_id,
            "organization_id": event.organization_id,
            "name": event.name,
            "email": event.email,
            "company": event.company,
            "status": "open",
            "link_count": 0,
            "file_count": 0,
            "last_upload_at": None,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
        }

    @staticmethod
    def _touched(row: dict[str, Any], event: DomainEvent) -> None:
        row["updated_at"] = event.timestamp

    @staticmethod
    def _link_opened(row: dict[str, Any], event: DomainEvent) -> None:
        row["link_count"] += 1

    @staticmethod
    def _link_closed(row: dict[str, Any], event: DomainEvent) -> None:
        # A link leaves the active state once (revoked, or marked expired), never both.
        row["link_count"] = max(0, row["link_count"] - 1)

    @staticmethod
    def _file_uploaded(row: dict[str, Any], event: DomainEvent) -> None:
        row["file_count"] += 1
        last = row["last_upload_at"]
        row["last_upload_at"] = event.timestamp if last is None else max(last, event.timestamp)
        row["updated_at"] = event.timestamp

    @staticmethod
    def _file_deleted(row: dict[str, Any], event: DomainEvent) -> None:
        row["file_count"] = max(0, row["file_count"] - 1)

    def _details_changed(self, row: dict[str, Any], event: DomainEvent) -> None:
        row.update(event.changes)
        self._touched(row, event)

    def _status_changed(self, row: dict[str, Any], event: DomainEvent) -> None:
        row["status"] = event.new_status
        self._touched(row, event)

    def _load(self, tx: Transaction, table: str, ids: set[UUID]) -> dict[UUID, dict[str, Any]]:
        rows: dict[UUID, dict[str, Any]] = {}
        for part in chunks(sorted(ids, key=str)):
            for row in tx.fetchall(
                f"SELECT {COLUMNS} FROM {table} WHERE id IN ({placeholders(len(part))})", part
            ):
                row["id"] = as_uuid(row["id"])
                row["organization_id"] = as_uuid(row["organization_id"])
                for key in ("last_upload_at", "created_at", "updated_at"):
                    row[key] = as_datetime(row[key])
                rows[row["id"]] = row
        return rows

    @staticmethod
    def _write(
        tx: Transaction,
        table: str,
        new: list[dict[str, Any]],
        updated: list[dict[str, Any]],
        deleted: set[UUID],
    ) -> None:
        def values(r: dict[str, Any]) -> tuple[Any, ...]:
            return (
                r["id"],
                r["organization_id"],
                r["name"],
                r["name"].casefold(),
                r["email"],
                r["company"],
                r["status"],
                r["link_count"],
                r["file_count"],
                r["last_upload_at"],
                r["last_upload_at"] or NO_UPLOAD,
                r["created_at"],
                r["updated_at"],
                search_text(r["name"], r["email"], r["company"]),
            )

        if new:
            # Rows no one has written yet: appended in one go (a rebuild is mostly these).
            tx.copy_rows(table, COLUMN_NAMES, [values(r) for r in new])
        if updated:
            tx.executemany(
                f"INSERT INTO {table} ({COLUMNS}) VALUES ({placeholders(14)})"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " name_key = excluded.name_key, email = excluded.email,"
                " company = excluded.company, status = excluded.status,"
                " link_count = excluded.link_count, file_count = excluded.file_count,"
                " last_upload_at = excluded.last_upload_at,"
                " last_upload_sort = excluded.last_upload_sort,"
                " updated_at = excluded.updated_at, search_text = excluded.search_text",
                [values(r) for r in updated],
            )
        if deleted:
            tx.erasing()
        for part in chunks(sorted(deleted, key=str)):
            tx.execute(f"DELETE FROM {table} WHERE id IN ({placeholders(len(part))})", part)


class CustomerListView:
    """Queries over the customer list, always within one organisation."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def search(
        self,
        organization_id: UUID,
        *,
        q: str | None = None,
        status: str | None = None,
        sort: str = "name",
        limit: int = 50,
        cursor: str | None = None,
    ) -> CustomerPage:
        """Raises ValueError for an unknown sort or a cursor not handed out by this view."""
        column, descending = SORTS[sort]
        where = ["organization_id = %s"]
        params: list[Any] = [organization_id]
        if q:
            where.append("search_text LIKE %s ESCAPE '\\'")
            params.append(like_pattern(q.strip().casefold()))
        if status:
            where.append("status = %s")
            params.append(status)
        filters = " AND ".join(where)
        page_where = filters
        page_params = list(params)
        if cursor:
            value, last_id = decode_cursor(cursor, 2)
            key = value if column == "name_key" else as_datetime(value)
            page_where += f" AND ({column}, id) {'<' if descending else '>'} (%s, %s)"
            page_params += [key, as_uuid(last_id)]
        order = "DESC" if descending else "ASC"
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT {COLUMNS} FROM {TABLE} WHERE {page_where}"
                f" ORDER BY {column} {order}, id {order} LIMIT %s",
                [*page_params, limit + 1],
            )
            total_row = tx.fetchone(
                f"SELECT count(*) AS total FROM {TABLE} WHERE {filters}", params
            )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = encode_cursor([last[column], last["id"]])
        return CustomerPage(
            items=[_summary(r) for r in rows],
            next_cursor=next_cursor,
            total=int(total_row["total"]) if total_row else 0,
        )

    def get(self, organization_id: UUID, customer_id: UUID) -> CustomerSummary | None:
        with self.database.reading() as tx:
            row = tx.fetchone(
                f"SELECT {COLUMNS} FROM {TABLE} WHERE id = %s AND organization_id = %s",
                (customer_id, organization_id),
            )
        return _summary(row) if row else None

    def status_counts(self, organization_id: UUID) -> dict[str, int]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT status, count(*) AS n FROM {TABLE}"
                " WHERE organization_id = %s GROUP BY status",
                (organization_id,),
            )
        counts = {"open": 0, "partial": 0, "complete": 0}
        counts.update({r["status"]: int(r["n"]) for r in rows})
        return counts


def _summary(row: Row) -> CustomerSummary:
    created_at = as_datetime(row["created_at"])
    updated_at = as_datetime(row["updated_at"])
    assert created_at is not None and updated_at is not None
    return CustomerSummary(
        id=as_uuid(row["id"]),
        name=row["name"],
        email=row["email"],
        company=row["company"],
        status=row["status"],
        link_count=int(row["link_count"]),
        file_count=int(row["file_count"]),
        last_upload_at=as_datetime(row["last_upload_at"]),
        created_at=created_at,
        updated_at=updated_at,
    )
