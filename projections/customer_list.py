"""The customer list: one row per customer, searched, filtered, sorted and paged."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.customer import Customer
from domain.name_order import name_order_key
from domain.received_file import ReceivedFile
from domain.upload_link import UploadLink
from projections.customer_detail import LINK_DUE, overdue_customers_sql
from projections.database import Database, Row, Transaction
from projections.erasure import erased_customer
from projections.projector import DomainEvent
from projections.rows import (
    as_datetime,
    as_uuid,
    chunks,
    decode_cursor,
    encode_cursor,
    like_pattern,
    placeholders,
    row_as,
)
from projections.schema import columns, table_exists
from projections.tracking import set_position

TABLE = "customer_list"
# Embedded mode only: an FTS5 trigram index of the searched fields (name, e-mail, company,
# customer number).
SEARCH_TABLE = "customer_list_search"
# Customers without an upload sort as if their last upload were at the epoch.
NO_UPLOAD = datetime(1970, 1, 1, tzinfo=UTC)
# A search counts its matches up to this many; beyond, the page says "1.000+".
TOTAL_CAP = 1000
# Shorter queries than a trigram cannot use the trigram indexes.
TRIGRAM = 3
# The version of `search_key` the search columns were written with (column `folding`): a
# list written with another is built again from the first event (`_drop_older_shape`).
# 1 (no column): case-folded only; 2: accents removed too ("celik" finds "Çelik").
FOLDING = 2
# Letters without a canonical decomposition that people type as a plain letter.
_PLAIN_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe"}
)

COLUMN_NAMES = (
    *("id", "organization_id", "name", "name_key", "email", "email_key", "company"),
    *("company_key", "status", "link_count", "file_count", "last_upload_at"),
    *("last_upload_sort", "created_at", "updated_at"),
    *("customer_number", "customer_number_key", "name_order", "folding"),
)
COLUMNS = ", ".join(COLUMN_NAMES)
SEARCHED = ("name_key", "email_key", "company_key", "customer_number_key")
# The searched fields as the FTS5 table names them.
SEARCH_COLUMNS = ("name", "email", "company", "customer_number")

# "name" is by family name (`domain.name_order`), not by the name's first letter.
SORTS: dict[str, tuple[str, bool]] = {
    "name": ("name_order", False),
    "-name": ("name_order", True),
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
    overdue: bool = False
    customer_number: str | None = None


@dataclass(frozen=True)
class CustomerPage:
    """One page of a search. `total` counts the matches up to `TOTAL_CAP`; when there are
    more, it is `TOTAL_CAP` and `total_capped` is true ("1.000+")."""

    items: list[CustomerSummary]
    next_cursor: str | None
    total: int
    total_capped: bool = False


def search_key(text: str) -> str:
    """What a search compares, for stored fields and queries alike: case-folded (ß is ss),
    accents of Latin, Greek and Cyrillic letters removed (the marks U+0300–U+036F: "Çelik"
    is "celik", "Müller" "muller"), a few letters without a decomposition as their plain
    letter (ø, ł, đ, æ ...), in NFC. Marks of other scripts (Devanagari, kana's dakuten)
    stay: they tell words apart."""
    if text.isascii():
        return text.lower()  # most e-mails and customer numbers: nothing to remove
    decomposed = unicodedata.normalize("NFD", text.casefold())
    plain = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    return unicodedata.normalize("NFC", plain).translate(_PLAIN_LETTERS)


def folded(value: str | None) -> str | None:
    """How a searched field is kept: its `search_key`."""
    return search_key(value) if value is not None else None


def search_rowid(customer_id: UUID) -> int:
    """The customer's row in the FTS5 index: derived from its id, so that the row can be
    replaced or removed without a lookup (63 bits: SQLite's rowid is signed)."""
    return int.from_bytes(customer_id.bytes[:8], "big") >> 1


def fts_phrase(text: str) -> str:
    """`text` as an FTS5 phrase: matched as a substring of one field, whatever it holds."""
    return '"' + text.replace('"', '""') + '"'


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
            Customer.NoteEdited: self._touched,
            Customer.NoteDeleted: self._touched,
            UploadLink.UploadLinkCreated: self._link_opened,
            UploadLink.UploadLinkRevoked: self._link_closed,
            UploadLink.UploadLinkExpired: self._link_closed,
            # Reactivation follows a recorded revocation or expiry: the link counts again.
            UploadLink.UploadLinkReactivated: self._link_opened,
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
        # The search table exists in embedded mode only.
        return [TABLE, SEARCH_TABLE]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        table = TABLE + table_suffix
        if not table_suffix:
            self._drop_older_shape(tx)
        id_type, time_type = (
            ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            f" id {id_type} PRIMARY KEY,"
            f" organization_id {id_type} NOT NULL,"
            " name TEXT NOT NULL, name_key TEXT NOT NULL,"
            " email TEXT, email_key TEXT, company TEXT, company_key TEXT,"
            " status TEXT NOT NULL,"
            " link_count INTEGER NOT NULL, file_count INTEGER NOT NULL,"
            f" last_upload_at {time_type}, last_upload_sort {time_type} NOT NULL,"
            f" created_at {time_type} NOT NULL, updated_at {time_type} NOT NULL,"
            " customer_number TEXT, customer_number_key TEXT, name_order TEXT NOT NULL,"
            " folding INTEGER NOT NULL)"
        )
        # Every sort order (either direction) within an organisation is an index scan;
        # with a status filter, so is the default order by name.
        for name, key in (
            ("name_order", "name_order, id"),
            ("created_at", "created_at, id"),
            ("last_upload_sort", "last_upload_sort, id"),
            ("status", "status, name_order, id"),
        ):
            tx.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_{name}_idx ON {table} (organization_id, {key})"
            )
        if tx.dialect == "postgres":
            # One trigram index over the searched fields: `q` matches within one of them.
            # Without the fast-update list: every search would scan the entries added
            # since the last vacuum, which a busy day of creates makes long.
            tx.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            tx.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_idx ON {table} USING gin"
                " (name_key gin_trgm_ops, email_key gin_trgm_ops, company_key gin_trgm_ops,"
                " customer_number_key gin_trgm_ops)"
                " WITH (fastupdate = off)"
            )
        else:
            tx.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE}{table_suffix} USING fts5"
                f" (id UNINDEXED, {', '.join(SEARCH_COLUMNS)}, tokenize = 'trigram')"
            )

    def _drop_older_shape(self, tx: Transaction) -> None:
        """A list built by an older version (one search column for all fields; no customer
        number and family-name order; search columns of another `FOLDING`) is dropped and
        built again from the first event."""
        if table_exists(tx, TABLE) and (
            not {"name_order", "folding"} <= set(columns(tx, TABLE))
            or tx.fetchone(f"SELECT 1 AS o FROM {TABLE} WHERE folding <> %s LIMIT 1", (FOLDING,))
        ):
            tx.execute(f"DROP TABLE {TABLE}")
            if tx.dialect == "sqlite":
                tx.execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
            set_position(tx, self.name, 0)

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
            "customer_number": event.customer_number,
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
                folded(r["name"]),
                r["email"],
                folded(r["email"]),
                r["company"],
                folded(r["company"]),
                r["status"],
                r["link_count"],
                r["file_count"],
                r["last_upload_at"],
                r["last_upload_at"] or NO_UPLOAD,
                r["created_at"],
                r["updated_at"],
                r["customer_number"],
                folded(r["customer_number"]),
                name_order_key(r["name"]),
                FOLDING,
            )

        if new:
            # Rows no one has written yet: appended in one go (a rebuild is mostly these).
            tx.copy_rows(table, COLUMN_NAMES, [values(r) for r in new])
        if updated:
            tx.executemany(
                f"INSERT INTO {table} ({COLUMNS}) VALUES ({placeholders(len(COLUMN_NAMES))})"
                " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " name_key = excluded.name_key, email = excluded.email,"
                " email_key = excluded.email_key, company = excluded.company,"
                " company_key = excluded.company_key, status = excluded.status,"
                " link_count = excluded.link_count, file_count = excluded.file_count,"
                " last_upload_at = excluded.last_upload_at,"
                " last_upload_sort = excluded.last_upload_sort,"
                " updated_at = excluded.updated_at,"
                " customer_number = excluded.customer_number,"
                " customer_number_key = excluded.customer_number_key,"
                " name_order = excluded.name_order, folding = excluded.folding",
                [values(r) for r in updated],
            )
        if deleted:
            tx.erasing()
        for part in chunks(sorted(deleted, key=str)):
            tx.execute(f"DELETE FROM {table} WHERE id IN ({placeholders(len(part))})", part)
        if tx.dialect == "sqlite":
            search = SEARCH_TABLE + table.removeprefix(TABLE)
            gone = [(search_rowid(i),) for i in deleted] + [
                (search_rowid(r["id"]),) for r in updated
            ]
            tx.executemany(f"DELETE FROM {search} WHERE rowid = %s", gone)
            if deleted:
                # FTS5 (before SQLite 3.44's secure-delete) keeps a deleted row's trigrams in
                # its index segments until they are merged: merge them all now, so that
                # nothing of an erased customer stays searchable or readable in the file.
                tx.execute(f"INSERT INTO {search} ({search}) VALUES ('optimize')")
            tx.executemany(
                f"INSERT INTO {search} (rowid, id, {', '.join(SEARCH_COLUMNS)})"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (
                        search_rowid(r["id"]),
                        r["id"],
                        folded(r["name"]),
                        folded(r["email"]),
                        folded(r["company"]),
                        folded(r["customer_number"]),
                    )
                    for r in [*new, *updated]
                ],
            )


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
        overdue: bool = False,
    ) -> CustomerPage:
        """`q` matches a substring of one field (name, e-mail, company or customer number),
        case and accents ignored (`search_key`).

        Raises ValueError for an unknown sort or a cursor not handed out by this view.
        """
        column, _ = SORTS[sort]
        with self.database.reading() as tx:
            page_sql, page_params, count_sql, count_params = self.statements(
                tx.dialect,
                organization_id,
                q=q,
                status=status,
                sort=sort,
                limit=limit,
                cursor=cursor,
                overdue_at=datetime.now(UTC) if overdue else None,
            )
            rows = tx.fetchall(page_sql, page_params)
            total_row = tx.fetchone(count_sql, count_params)
            late = _overdue_of(tx, [as_uuid(r["id"]) for r in rows[:limit]])
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = encode_cursor([last[column], last["id"]])
        matches = int(total_row["total"]) if total_row else 0
        return CustomerPage(
            items=[_summary(r, as_uuid(r["id"]) in late) for r in rows],
            next_cursor=next_cursor,
            total=min(matches, TOTAL_CAP),
            total_capped=matches > TOTAL_CAP,
        )

    @staticmethod
    def statements(
        dialect: str,
        organization_id: UUID,
        *,
        q: str | None = None,
        status: str | None = None,
        sort: str = "name",
        limit: int = 50,
        cursor: str | None = None,
        overdue_at: datetime | None = None,
    ) -> tuple[str, list[Any], str, list[Any]]:
        """The page's query and the capped count's, with their parameters (`make bench`
        sends the same two straight to the database as its baseline)."""
        column, descending = SORTS[sort]
        text = searched_text(q)
        where, params = _filters(
            dialect, organization_id, q=q, status=status, overdue_at=overdue_at
        )
        filters = " AND ".join(where)
        keyset = ""
        keyset_params: list[Any] = []
        if cursor:
            value, last_id = decode_cursor(cursor, 2)
            key = value if column == "name_order" else as_datetime(value)
            keyset = f" AND ({column}, id) {'<' if descending else '>'} (%s, %s)"
            keyset_params = [key, as_uuid(last_id)]
        order = f"ORDER BY {column} {'DESC' if descending else 'ASC'}, id"
        order += " DESC" if descending else " ASC"
        if text:
            # The matches first (the trigram index finds them, however few), then their
            # order: walking the sort order's index until enough rows match would read
            # the whole organisation for a rare term.
            page_sql = (
                f"WITH matches AS MATERIALIZED (SELECT {COLUMNS} FROM {TABLE} WHERE {filters})"
                f" SELECT {COLUMNS} FROM matches WHERE true{keyset} {order} LIMIT %s"
            )
        else:
            page_sql = f"SELECT {COLUMNS} FROM {TABLE} WHERE {filters}{keyset} {order} LIMIT %s"
        # Counting stops one past the cap: thousands of matches are not counted per page.
        count_sql = (
            f"SELECT count(*) AS total FROM"
            f" (SELECT 1 FROM {TABLE} WHERE {filters} LIMIT %s) AS matches"
        )
        page_params = [*params, *keyset_params]
        return page_sql, [*page_params, limit + 1], count_sql, [*params, TOTAL_CAP + 1]

    def get(self, organization_id: UUID, customer_id: UUID) -> CustomerSummary | None:
        with self.database.reading() as tx:
            row = tx.fetchone(
                f"SELECT {COLUMNS} FROM {TABLE} WHERE id = %s AND organization_id = %s",
                (customer_id, organization_id),
            )
        if row is None:
            return None
        with self.database.reading() as tx:
            late = _overdue_of(tx, [customer_id])
        return _summary(row, customer_id in late)

    def overdue_count(self, organization_id: UUID, q: str | None = None) -> int:
        """Customers of the organisation (matching `q`) with an overdue link ("überfällig")."""
        now = datetime.now(UTC)
        with self.database.reading() as tx:
            if not table_exists(tx, LINK_DUE):
                return 0
            where, params = _filters(tx.dialect, organization_id, q=q, overdue_at=now)
            row = tx.fetchone(
                f"SELECT count(*) AS n FROM {TABLE} WHERE {' AND '.join(where)}", params
            )
        return int(row["n"]) if row else 0

    def status_counts(self, organization_id: UUID, q: str | None = None) -> dict[str, int]:
        """How many customers (matching `q`, as the search does) have each status."""
        with self.database.reading() as tx:
            where, params = _filters(tx.dialect, organization_id, q=q)
            rows = tx.fetchall(
                f"SELECT status, count(*) AS n FROM {TABLE}"
                f" WHERE {' AND '.join(where)} GROUP BY status",
                params,
            )
        counts = {"open": 0, "partial": 0, "complete": 0}
        counts.update({r["status"]: int(r["n"]) for r in rows})
        return counts


def searched_text(q: str | None) -> str:
    """What `q` searches for: only blanks are trimmed, any other character (U+001F too)
    is searched for as it is, by its `search_key` (as the fields are kept)."""
    return search_key((q or "").strip(" \t\r\n"))


def _filters(
    dialect: str,
    organization_id: UUID,
    *,
    q: str | None = None,
    status: str | None = None,
    overdue_at: datetime | None = None,
) -> tuple[list[str], list[Any]]:
    """The conditions of a search (and of its counts) and their parameters."""
    where = ["organization_id = %s"]
    params: list[Any] = [organization_id]
    text = searched_text(q)
    if text and dialect == "sqlite" and len(text) >= TRIGRAM:
        where.append(f"id IN (SELECT id FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH %s)")
        params.append("{" + " ".join(SEARCH_COLUMNS) + "}: " + fts_phrase(text))
    elif text:
        where.append("(" + " OR ".join(f"{c} LIKE %s ESCAPE '\\'" for c in SEARCHED) + ")")
        params.extend([like_pattern(text)] * len(SEARCHED))
    if status:
        where.append("status = %s")
        params.append(status)
    if overdue_at is not None:
        where.append(f"id IN ({overdue_customers_sql()})")
        params.extend([overdue_at, overdue_at])
    return where, params


def _overdue_of(tx: Transaction, customer_ids: list[UUID]) -> set[UUID]:
    """Those of `customer_ids` with an overdue link (none before the detail's tables exist)."""
    if not customer_ids or not table_exists(tx, LINK_DUE):
        return set()
    now = datetime.now(UTC)
    rows = tx.fetchall(
        f"{overdue_customers_sql()} AND customer_id IN ({placeholders(len(customer_ids))})",
        [now, now, *customer_ids],
    )
    return {as_uuid(r["customer_id"]) for r in rows}


def _summary(row: Row, overdue: bool = False) -> CustomerSummary:
    return row_as(CustomerSummary, row, overdue=overdue)
