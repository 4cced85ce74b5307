"""What retention needs to know: each organisation's periods, since when each customer is
complete, when each link expires, and which files are still there.

Only ids and times, never content. The retention job asks it which files are due;
the staff pages and the API ask it when a customer's files will go ("wird am …
gelöscht"). A deleted customer's rows go with the rest of its read-model rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.customer import Customer
from domain.organization import Organization
from domain.received_file import ReceivedFile
from domain.retention import AFTER_COMPLETE, AFTER_LINK_EXPIRY, RETENTION_DEFAULTS, deletion_due
from domain.upload_link import UploadLink
from domain.values import CustomerStatus
from projections.database import Database, Transaction
from projections.erasure import erased_customer
from projections.projector import DomainEvent
from projections.rows import as_datetime, as_uuid
from projections.schema import table_exists

PERIODS = "retention_periods"
CUSTOMERS = "retention_customers"
LINKS = "retention_links"
FILES = "retention_files"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class RetentionProjection:
    """Builds the four small tables of `projections.retention`."""

    name = "retention"

    def __init__(self) -> None:
        self._handlers: dict[type, Callable[[Transaction, str, Any], None]] = {
            Organization.RetentionChanged: self._periods_changed,
            Customer.CustomerCreated: self._customer_created,
            Customer.StatusChanged: self._status_changed,
            UploadLink.UploadLinkCreated: self._link_created,
            # A link extended or made valid again: its files wait for the new expiry.
            UploadLink.UploadLinkExtended: self._link_expiry_moved,
            UploadLink.UploadLinkReactivated: self._link_expiry_moved,
            ReceivedFile.FileUploaded: self._file_uploaded,
            ReceivedFile.FileDeleted: self._file_deleted,
        }
        self.topics = [get_topic(cls) for cls in (*self._handlers, Customer.CustomerDeleted)]

    def tables(self) -> Sequence[str]:
        return [PERIODS, CUSTOMERS, LINKS, FILES]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        uuid, time = ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        periods, customers, links, files = (t + table_suffix for t in self.tables())
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {periods} (organization_id {uuid} PRIMARY KEY,"
            " after_complete_days INTEGER, after_link_expiry_days INTEGER)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {customers} (customer_id {uuid} PRIMARY KEY,"
            f" organization_id {uuid} NOT NULL, complete_since {time})"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {customers}_complete_idx"
            f" ON {customers} (organization_id, complete_since)"
        )
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {links} (link_id {uuid} PRIMARY KEY,"
            f" customer_id {uuid} NOT NULL, organization_id {uuid} NOT NULL,"
            f" expires_at {time} NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {links}_expiry_idx"
            f" ON {links} (organization_id, expires_at)"
        )
        tx.execute(f"CREATE INDEX IF NOT EXISTS {links}_customer_idx ON {links} (customer_id)")
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {files} (file_id {uuid} PRIMARY KEY,"
            f" customer_id {uuid} NOT NULL, link_id {uuid} NOT NULL)"
        )
        tx.execute(f"CREATE INDEX IF NOT EXISTS {files}_customer_idx ON {files} (customer_id)")
        tx.execute(f"CREATE INDEX IF NOT EXISTS {files}_link_idx ON {files} (link_id)")

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        for event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(tx, table_suffix, event)
            elif (customer_id := erased_customer(event)) is not None:
                tx.erasing()
                for table in (CUSTOMERS, LINKS, FILES):
                    tx.execute(
                        f"DELETE FROM {table}{table_suffix} WHERE customer_id = %s",
                        (customer_id,),
                    )

    def _periods_changed(self, tx: Transaction, suffix: str, e: Any) -> None:
        row = tx.fetchone(
            f"SELECT after_complete_days, after_link_expiry_days FROM {PERIODS}{suffix}"
            " WHERE organization_id = %s",
            (e.originator_id,),
        )
        periods = {
            AFTER_COMPLETE: row["after_complete_days"] if row else None,
            AFTER_LINK_EXPIRY: row["after_link_expiry_days"] if row else None,
            **{k: v for k, v in e.retention.items() if k in RETENTION_DEFAULTS},
        }
        tx.execute(f"DELETE FROM {PERIODS}{suffix} WHERE organization_id = %s", (e.originator_id,))
        tx.execute(
            f"INSERT INTO {PERIODS}{suffix}"
            " (organization_id, after_complete_days, after_link_expiry_days) VALUES (%s, %s, %s)",
            (e.originator_id, periods[AFTER_COMPLETE], periods[AFTER_LINK_EXPIRY]),
        )

    def _customer_created(self, tx: Transaction, suffix: str, e: Any) -> None:
        tx.execute(
            f"INSERT INTO {CUSTOMERS}{suffix} (customer_id, organization_id, complete_since)"
            " VALUES (%s, %s, NULL) ON CONFLICT (customer_id) DO NOTHING",
            (e.originator_id, e.organization_id),
        )

    def _status_changed(self, tx: Transaction, suffix: str, e: Any) -> None:
        complete = e.new_status == CustomerStatus.COMPLETE.value
        tx.execute(
            f"UPDATE {CUSTOMERS}{suffix} SET complete_since = %s WHERE customer_id = %s",
            (_utc(e.timestamp) if complete else None, e.originator_id),
        )

    def _link_created(self, tx: Transaction, suffix: str, e: Any) -> None:
        tx.execute(
            f"INSERT INTO {LINKS}{suffix} (link_id, customer_id, organization_id, expires_at)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (link_id) DO NOTHING",
            (e.originator_id, e.customer_id, e.organization_id, _utc(e.expires_at)),
        )

    def _link_expiry_moved(self, tx: Transaction, suffix: str, e: Any) -> None:
        tx.execute(
            f"UPDATE {LINKS}{suffix} SET expires_at = %s WHERE link_id = %s",
            (_utc(e.expires_at), e.originator_id),
        )

    def _file_uploaded(self, tx: Transaction, suffix: str, e: Any) -> None:
        tx.execute(
            f"INSERT INTO {FILES}{suffix} (file_id, customer_id, link_id)"
            " VALUES (%s, %s, %s) ON CONFLICT (file_id) DO NOTHING",
            (e.originator_id, e.customer_id, e.link_id),
        )

    def _file_deleted(self, tx: Transaction, suffix: str, e: Any) -> None:
        tx.execute(f"DELETE FROM {FILES}{suffix} WHERE file_id = %s", (e.originator_id,))


@dataclass(frozen=True)
class RetentionSchedule:
    """When the files of one customer will go: per link, the end of the retention that
    applies (None: no period applies)."""

    periods: dict[str, int | None]
    complete_since: datetime | None
    link_expiries: dict[UUID, datetime] = field(default_factory=dict)

    def deletes_at(self, link_id: UUID) -> datetime | None:
        return deletion_due(self.periods, self.complete_since, self.link_expiries.get(link_id))


class RetentionView:
    """The tables as the retention job and the readers ask them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _ready(self, tx: Transaction) -> bool:
        return table_exists(tx, FILES)

    def periods(self, organization_id: UUID) -> dict[str, int | None]:
        with self.database.reading() as tx:
            row = (
                tx.fetchone(
                    f"SELECT after_complete_days, after_link_expiry_days FROM {PERIODS}"
                    " WHERE organization_id = %s",
                    (organization_id,),
                )
                if self._ready(tx)
                else None
            )
        if row is None:
            return dict(RETENTION_DEFAULTS)
        return {
            AFTER_COMPLETE: row["after_complete_days"],
            AFTER_LINK_EXPIRY: row["after_link_expiry_days"],
        }

    def schedule(self, organization_id: UUID, customer_id: UUID) -> RetentionSchedule:
        """The customer's retention: the organisation's periods, since when it is complete,
        when each of its links expires."""
        periods = self.periods(organization_id)
        if all(days is None for days in periods.values()):
            return RetentionSchedule(periods, None)
        with self.database.reading() as tx:
            customer = tx.fetchone(
                f"SELECT complete_since FROM {CUSTOMERS} WHERE customer_id = %s", (customer_id,)
            )
            links = tx.fetchall(
                f"SELECT link_id, expires_at FROM {LINKS} WHERE customer_id = %s", (customer_id,)
            )
        return RetentionSchedule(
            periods,
            as_datetime(customer["complete_since"]) if customer else None,
            {as_uuid(r["link_id"]): as_datetime(r["expires_at"]) for r in links},  # type: ignore[misc]
        )

    def organizations_with_retention(self) -> list[tuple[UUID, dict[str, int | None]]]:
        with self.database.reading() as tx:
            if not self._ready(tx):
                return []
            rows = tx.fetchall(
                f"SELECT organization_id, after_complete_days, after_link_expiry_days"
                f" FROM {PERIODS} WHERE after_complete_days IS NOT NULL"
                " OR after_link_expiry_days IS NOT NULL ORDER BY organization_id"
            )
        return [
            (
                as_uuid(r["organization_id"]),
                {
                    AFTER_COMPLETE: r["after_complete_days"],
                    AFTER_LINK_EXPIRY: r["after_link_expiry_days"],
                },
            )
            for r in rows
        ]

    def files_due(
        self,
        organization_id: UUID,
        complete_before: datetime | None,
        expired_before: datetime | None,
        limit: int,
    ) -> list[UUID]:
        """Files of the organisation whose customer has been complete since before
        `complete_before`, or whose link expired before `expired_before` (None: that rule is
        off); at most `limit`."""
        found: list[UUID] = []
        with self.database.reading() as tx:
            if complete_before is not None:
                rows = tx.fetchall(
                    f"SELECT f.file_id FROM {FILES} f JOIN {CUSTOMERS} c"
                    " ON c.customer_id = f.customer_id WHERE c.organization_id = %s"
                    f" AND c.complete_since <= %s ORDER BY f.file_id LIMIT {int(limit)}",
                    (organization_id, _utc(complete_before)),
                )
                found += [as_uuid(r["file_id"]) for r in rows]
            if expired_before is not None and len(found) < limit:
                rows = tx.fetchall(
                    f"SELECT f.file_id FROM {FILES} f JOIN {LINKS} l ON l.link_id = f.link_id"
                    " WHERE l.organization_id = %s AND l.expires_at <= %s"
                    f" ORDER BY f.file_id LIMIT {int(limit)}",
                    (organization_id, _utc(expired_before)),
                )
                found += [as_uuid(r["file_id"]) for r in rows if as_uuid(r["file_id"]) not in found]
        return found[:limit]
