"""An index: which upload links, received files and sent files belong to a customer.

Only ids, never content. A deleted customer's entries are removed with the rest of
its read-model rows; the auditor's history finds a deleted customer's links and
files in the event store's own owner table (`infrastructure.event_store`).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.utils import get_topic

from application.history import CUSTOMER_PART_STARTS
from domain.customer import Customer
from projections.database import Database, Transaction
from projections.erasure import erased_customer
from projections.projector import DomainEvent
from projections.rows import as_uuid, chunks, placeholders
from projections.schema import table_exists
from projections.tracking import TRACKING_TABLE, position_of

TABLE = "customer_parts"


class CustomerPartsProjection:
    """Records (customer, aggregate) for the first event of every link and file."""

    name = "customer_parts"

    def __init__(self) -> None:
        self.starts: set[type] = set(CUSTOMER_PART_STARTS)
        self.topics = [get_topic(cls) for cls in (*CUSTOMER_PART_STARTS, Customer.CustomerDeleted)]

    def tables(self) -> Sequence[str]:
        return [TABLE]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        table = TABLE + table_suffix
        id_type, time_type = (
            ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            f" customer_id {id_type} NOT NULL, aggregate_id {id_type} NOT NULL,"
            f" created_at {time_type} NOT NULL, PRIMARY KEY (customer_id, aggregate_id))"
        )

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        gone = {c for c in map(erased_customer, events) if c is not None}
        rows = [
            (e.customer_id, e.originator_id, e.timestamp)
            for e in events
            if type(e) in self.starts and e.customer_id not in gone
        ]
        if rows:
            # Exactly once by the tracking position: plain appends.
            tx.copy_rows(TABLE + table_suffix, ("customer_id", "aggregate_id", "created_at"), rows)
        if gone:
            tx.erasing()
            for part in chunks(sorted(gone, key=str)):
                tx.execute(
                    f"DELETE FROM {TABLE}{table_suffix}"
                    f" WHERE customer_id IN ({placeholders(len(part))})",
                    part,
                )


class CustomerPartsView:
    """The index as the history reads it: ids so far, and how far the index has got."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def parts_of(self, customer_id: UUID) -> tuple[list[UUID], int]:
        with self.database.reading() as tx:
            if not (table_exists(tx, TABLE) and table_exists(tx, TRACKING_TABLE)):
                return [], 0
            # Position first, rows second: the rows may be newer than the position
            # (a batch committed in between) but never older, so the history's scan
            # of the log after that position misses nothing.
            position = position_of(tx, CustomerPartsProjection.name)
            rows = tx.fetchall(
                f"SELECT aggregate_id FROM {TABLE} WHERE customer_id = %s"
                " ORDER BY created_at, aggregate_id",
                (customer_id,),
            )
        return [as_uuid(r["aggregate_id"]) for r in rows], position
