"""Removing bytes from file storage: after deletions, and what no event speaks for."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from application.command import Context
from application.ports import FileStore, MailArchive
from application.storage_keys import INCOMING, staged_id, staging_key_of
from domain.customer import Customer
from domain.received_file import ReceivedFile
from domain.sent_file import SentFile
from projections.database import Transaction
from projections.erasure import erased_customer
from projections.rows import chunks, placeholders

log = logging.getLogger(__name__)

OBJECTS_TABLE = "stored_objects"


class FileCleanupPolicy:
    """Follows the event log and deletes bytes once their file or customer is deleted.

    It keeps its own table of which object keys belong to which customer. The
    deletions happen inside the batch's transaction: if storage fails, the batch
    rolls back, its position does not move, and the follower tries again until
    storage answers. Deleting an object twice is harmless.
    """

    name = "file_cleanup"

    def __init__(self, file_store: FileStore, mailer: object = None) -> None:
        self.file_store = file_store
        # The outbox keeps copies of mails about customers: erasing a customer removes them.
        self.mail_archive = mailer if isinstance(mailer, MailArchive) else None
        self.handled = (
            ReceivedFile.FileUploaded,
            ReceivedFile.FileDeleted,
            SentFile.FileSent,
            Customer.CustomerDeleted,
        )
        self.topics = [get_topic(cls) for cls in self.handled]

    def tables(self) -> Sequence[str]:
        return [OBJECTS_TABLE]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {OBJECTS_TABLE}{table_suffix} ("
            " object_key TEXT PRIMARY KEY, customer_id TEXT NOT NULL, owner_id TEXT NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {OBJECTS_TABLE}{table_suffix}_customer_idx"
            f" ON {OBJECTS_TABLE}{table_suffix} (customer_id)"
        )

    def apply(self, tx: Transaction, events: Sequence[Any], table_suffix: str = "") -> None:
        table = OBJECTS_TABLE + table_suffix
        for event in events:
            if isinstance(event, ReceivedFile.FileUploaded | SentFile.FileSent):
                tx.execute(
                    f"INSERT INTO {table} (object_key, customer_id, owner_id) VALUES (%s, %s, %s)"
                    " ON CONFLICT (object_key) DO NOTHING",
                    (event.object_key, str(event.customer_id), str(event.originator_id)),
                )
            elif isinstance(event, ReceivedFile.FileDeleted):
                self._remove(tx, table, "owner_id", str(event.originator_id))
            elif (customer_id := erased_customer(event)) is not None:
                # An erased upload or sent file names its object in its skeleton: the
                # bytes go even when this policy never read the file's own event.
                object_key = getattr(event, "known", {}).get("object_key")
                if isinstance(object_key, str):
                    self._delete_object(object_key)
                self._remove(tx, table, "customer_id", str(customer_id))
                if self.mail_archive is not None:
                    self.mail_archive.forget_customer(customer_id)

    def _remove(self, tx: Transaction, table: str, column: str, value: str) -> None:
        rows = tx.fetchall(
            f"SELECT object_key, owner_id FROM {table} WHERE {column} = %s", (value,)
        )
        for row in rows:
            self._delete_object(row["object_key"])
        keys = [row["object_key"] for row in rows]
        for part in chunks(keys):
            tx.execute(f"DELETE FROM {table} WHERE object_key IN ({placeholders(len(part))})", part)

    def _delete_object(self, object_key: str) -> None:
        self.file_store.delete(object_key)
        # The bytes may still sit under their temporary key (crash before the move).
        self.file_store.delete(staging_key_of(object_key))


class StorageSweeper(Context):
    """Tidies file storage after interrupted uploads."""

    def sweep(self, older_than: timedelta = timedelta(hours=1)) -> dict[str, int]:
        """Finish or remove what an interrupted upload left under `incoming/`.

        An object whose upload was recorded is moved to its final key; one with no
        event (the request died before recording) is deleted, and so is the staging
        of an upload whose process died while writing (`FileStore.remove_abandoned`).
        Only what is older than `older_than` is touched, so uploads in flight are left
        alone.
        """
        cutoff = datetime.now(UTC) - older_than
        finished = removed = 0
        store = self.app.file_store
        for key, modified in list(store.list(INCOMING)):
            if modified > cutoff:
                continue
            owner = staged_id(key)
            if owner is None:
                store.delete(key)
                removed += 1
                continue
            try:
                aggregate: object = self.app.repository.get(owner)
            except AggregateNotFoundError:
                aggregate = None
            final_key = getattr(aggregate, "object_key", None)
            live = isinstance(aggregate, ReceivedFile | SentFile) and not getattr(
                aggregate, "deleted", False
            )
            if live and final_key:
                store.promote(key, final_key)
                finished += 1
            else:
                store.delete(key)
                removed += 1
        # A process killed mid-upload leaves its half-written staging behind too.
        removed += store.remove_abandoned(cutoff)
        log.info("storage sweep: %d finished, %d removed", finished, removed)
        return {"finished": finished, "removed": removed}
