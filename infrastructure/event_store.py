"""The event store's recorders: the library's, plus the key table, owners and hash chain.

Chosen with eventsourcing's `APPLICATION_RECORDER_TOPIC`. Beside the events table
they keep, in the same database and the same transaction as the events:

- `customer_keys`: each customer's data key, wrapped by the master key. A key is
  inserted with its customer's `CustomerCreated` and destroyed (wrapped key set to
  NULL) with its `CustomerDeleted`: an erased customer never has a readable key for
  a moment longer than its deletion is recorded.
- `aggregate_owners`: which customer each of its aggregates (links, files) belongs to,
  written with the aggregate's first event. Loading an aggregate reads its
  customer's key row in the same query as its events, so a key destroyed in another
  process is noticed at once.
- `event_chain`: the hash chain over all events (`infrastructure.event_chain`).

On PostgreSQL these statements travel in the library's insert pipeline (no extra
round trip) and a trigger chains every inserted row; on SQLite the recorder does it
all inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from domain.customer import Customer
from infrastructure.customer_keys import CustomerKeys
from infrastructure.event_chain import GENESIS, StoredRow, chain_link
from infrastructure.event_encryption import envelope_customer
from infrastructure.master_key import MasterKey
from infrastructure.wal_scrub import WalScrubber

KEYS_TABLE = "customer_keys"
OWNERS_TABLE = "aggregate_owners"
CHAIN_TABLE = "event_chain"
CUSTOMER_CREATED = get_topic(Customer.CustomerCreated)
CUSTOMER_DELETED = get_topic(Customer.CustomerDeleted)
IN_CHUNK = 500
# pg_advisory_xact_lock id serialising our schema changes across starting processes.
SCHEMA_LOCK = 4_711_012


def snapshots_table_of(events_table: str) -> str:
    """The library's snapshot table beside an events table (`stored_events` ->
    `stored_snapshots`, `docintake_events` -> `docintake_snapshots`)."""
    return events_table.removesuffix("events") + "snapshots"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class KeyRows:
    """What the recorder does with key rows, the same on both backends."""

    keys: CustomerKeys | None = None

    def _customer_keys(self) -> CustomerKeys:
        if self.keys is None:
            raise RuntimeError("customer keys are not configured (install encryption first)")
        return self.keys

    def _key_changes(
        self, stored_events: Sequence[StoredEvent]
    ) -> tuple[list[tuple[UUID, bytes]], list[tuple[UUID, UUID]], list[UUID]]:
        """New keys, new aggregate owners and destroyed keys that these events bring."""
        new_keys: list[tuple[UUID, bytes]] = []
        owners: list[tuple[UUID, UUID]] = []
        destroyed: list[UUID] = []
        for stored in stored_events:
            customer_id = envelope_customer(stored.state)
            if customer_id is None:
                continue
            if stored.originator_version == 1:
                owners.append((_uuid(stored.originator_id), customer_id))
                if stored.topic == CUSTOMER_CREATED:
                    wrapped = self._customer_keys().take_pending(customer_id)
                    if wrapped is None:
                        raise RuntimeError(f"no new data key for customer {customer_id}")
                    new_keys.append((customer_id, wrapped))
            if stored.topic == CUSTOMER_DELETED:
                destroyed.append(customer_id)
        return new_keys, owners, destroyed

    def _observe(self, customer_id: Any, key_row: Any, wrapped: Any) -> None:
        if customer_id is not None and key_row is not None and self.keys is not None:
            self.keys.observe(_uuid(customer_id), None if wrapped is None else bytes(wrapped))

    def _prefetch(self, notifications: Sequence[Notification]) -> None:
        if self.keys is None:
            return
        customers = {envelope_customer(n.state) for n in notifications}
        customers.discard(None)
        self.keys.prefetch(c for c in customers if c is not None)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


# SQLite ------------------------------------------------------------------------------


class SqliteEventStore(KeyRows, SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} (customer_id TEXT PRIMARY KEY,"
            " wrapped_key BLOB, master_key_id TEXT, created_at TEXT NOT NULL, destroyed_at TEXT)",
            f"CREATE TABLE IF NOT EXISTS {OWNERS_TABLE} (aggregate_id TEXT PRIMARY KEY,"
            " customer_id TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {OWNERS_TABLE}_customer_idx"
            f" ON {OWNERS_TABLE} (customer_id)",
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (notification_id INTEGER PRIMARY KEY,"
            " hash BLOB NOT NULL)",
        ]

    def create_table(self) -> None:
        super().create_table()
        if self._scrubber is not None:
            self._scrubber.resume()  # a scrub the last run left undone
        # Events recorded before the chain existed are chained once, in order.
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"SELECT MAX(notification_id) FROM {CHAIN_TABLE}")
            chained = c.fetchone()[0] or 0
            c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state"
                f" FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid",
                (chained,),
            )
            rows = c.fetchall()
            if rows:
                self._chain(c, [(r[0], r[1], r[2], r[3], r[4]) for r in rows])

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        erased = [envelope_customer(s.state) for s in stored_events if s.topic == CUSTOMER_DELETED]
        if not erased:
            return super().insert_events(stored_events, **kwargs)
        # The write-ahead log keeps the destroyed keys' pages as they were: emptied after.
        with self._scrubbing():
            ids = super().insert_events(stored_events, **kwargs)
            for customer_id in erased:
                if customer_id is not None:
                    self._observe(customer_id, customer_id, None)
        return ids

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        assert ids is not None
        new_keys, owners, destroyed = self._key_changes(stored_events)
        if new_keys:
            fingerprint = self._customer_keys().master.fingerprint
            c.executemany(
                f"INSERT INTO {KEYS_TABLE} (customer_id, wrapped_key, master_key_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                [(k.hex, w, fingerprint, _now()) for k, w in new_keys],
            )
        if owners:
            c.executemany(
                f"INSERT INTO {OWNERS_TABLE} (aggregate_id, customer_id) VALUES (?, ?)"
                " ON CONFLICT (aggregate_id) DO NOTHING",
                [(a.hex, k.hex) for a, k in owners],
            )
        if destroyed:
            # Zero the old key's bytes in the file, not just unlink them.
            c.execute("PRAGMA secure_delete = ON")
            c.executemany(
                f"UPDATE {KEYS_TABLE} SET wrapped_key = NULL, master_key_id = NULL,"
                " destroyed_at = ? WHERE customer_id = ?",
                [(_now(), k.hex) for k in destroyed],
            )
            # Snapshots are a cache: an erased customer's go (any taken in plain text too).
            c.executemany(
                f"DELETE FROM {snapshots_table_of(self.events_table_name)} WHERE originator_id = ?",
                [(k.hex,) for k in destroyed],
            )
        self._chain(
            c,
            [
                (i, s.originator_id, s.originator_version, s.topic, s.state)
                for i, s in zip(ids, stored_events, strict=True)
            ],
        )
        return ids

    def _chain(self, c: SQLiteCursor, rows: Sequence[tuple[int, Any, int, str, bytes]]) -> None:
        c.execute(f"SELECT hash FROM {CHAIN_TABLE} ORDER BY notification_id DESC LIMIT 1")
        last = c.fetchone()
        previous = bytes(last[0]) if last else GENESIS
        links = []
        for notification_id, originator_id, version, topic, state in rows:
            previous = chain_link(
                previous, notification_id, _uuid(originator_id), version, topic, bytes(state)
            )
            links.append((notification_id, previous))
        c.executemany(f"INSERT INTO {CHAIN_TABLE} (notification_id, hash) VALUES (?, ?)", links)

    @cached_property
    def _scrubber(self) -> WalScrubber | None:
        """Empties the write-ahead log after a commit that destroyed or rewrapped keys, so
        their old pages leave the disk (none for a database in memory)."""
        pool = self.datastore.pool
        return None if pool.is_sqlite_memory_mode else WalScrubber(Path(pool.db_name))

    @contextmanager
    def _scrubbing(self) -> Iterator[None]:
        """Around a commit that leaves old key bytes in the write-ahead log: marked before,
        scrubbed after (in the background while readers hold the log)."""
        scrubber = self._scrubber
        if scrubber is None:
            yield
            return
        scrubber.marking()
        try:
            yield
        finally:
            scrubber.scrub()

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        statement = (
            "SELECT e.originator_id, e.originator_version, e.topic, e.state,"
            " o.customer_id AS owner, k.customer_id AS key_row, k.wrapped_key"
            f" FROM {self.events_table_name} e"
            f" LEFT JOIN {OWNERS_TABLE} o ON o.aggregate_id = e.originator_id"
            f" LEFT JOIN {KEYS_TABLE} k ON k.customer_id = o.customer_id"
            " WHERE e.originator_id = ? "
        )
        params: list[Any] = [
            originator_id.hex if isinstance(originator_id, UUID) else originator_id
        ]
        if gt is not None:
            statement += "AND e.originator_version > ? "
            params.append(gt)
        if lte is not None:
            statement += "AND e.originator_version <= ? "
            params.append(lte)
        statement += "ORDER BY e.originator_version " + ("DESC " if desc else "ASC ")
        if limit is not None:
            statement += "LIMIT ?"
            params.append(limit)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            rows = c.fetchall()
        if rows:
            self._observe(rows[0]["owner"], rows[0]["key_row"], rows[0]["wrapped_key"])
        return [
            StoredEvent(
                originator_id=self.convert_originator_id(row["originator_id"]),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in rows
        ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        notifications = super().select_notifications(
            start, limit, stop, topics, inclusive_of_start=inclusive_of_start
        )
        self._prefetch(notifications)
        return notifications

    # For the key store, the auditor and the operator -------------------------------

    def fetch_keys(self, customer_ids: Iterable[UUID]) -> Mapping[UUID, bytes | None]:
        found: dict[UUID, bytes | None] = {}
        ids = [c.hex for c in customer_ids]
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), IN_CHUNK):
                part = ids[start : start + IN_CHUNK]
                c.execute(
                    f"SELECT customer_id, wrapped_key FROM {KEYS_TABLE}"
                    f" WHERE customer_id IN ({','.join('?' * len(part))})",
                    part,
                )
                for row in c.fetchall():
                    wrapped = row["wrapped_key"]
                    found[UUID(row["customer_id"])] = None if wrapped is None else bytes(wrapped)
        return found

    def parts_of(self, customer_id: UUID) -> tuple[list[UUID], int]:
        """The customer's links and files (the history's index): exact, since each owner
        row is written with its aggregate's first event. The position is read first, so
        nothing recorded meanwhile is missed."""
        position = self.max_notification_id() or 0
        return self.aggregates_of(customer_id), position

    def aggregates_of(self, customer_id: UUID) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT aggregate_id FROM {OWNERS_TABLE} WHERE customer_id = ?"
                " AND aggregate_id <> customer_id ORDER BY rowid",
                (customer_id.hex,),
            )
            return [UUID(row[0]) for row in c.fetchall()]

    def wrapped_keys(self) -> list[tuple[UUID, bytes, str | None]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT customer_id, wrapped_key, master_key_id FROM {KEYS_TABLE}"
                " WHERE wrapped_key IS NOT NULL"
            )
            return [(UUID(r[0]), bytes(r[1]), r[2]) for r in c.fetchall()]

    def rewrap_keys(self, old: MasterKey, new: MasterKey) -> int:
        with self._scrubbing(), self.datastore.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete = ON")
            c.execute(
                f"SELECT customer_id, wrapped_key FROM {KEYS_TABLE}"
                " WHERE wrapped_key IS NOT NULL AND master_key_id = ?",
                (old.fingerprint,),
            )
            rows = [(r[0], bytes(r[1])) for r in c.fetchall()]
            c.executemany(
                f"UPDATE {KEYS_TABLE} SET wrapped_key = ?, master_key_id = ? WHERE customer_id = ?",
                [(new.wrap(old.unwrap(w)), new.fingerprint, cid) for cid, w in rows],
            )
        return len(rows)

    def chain_pages(
        self, after: int, limit: int
    ) -> tuple[list[StoredRow], list[tuple[int, bytes]]]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT rowid, originator_id, originator_version, topic, state"
                f" FROM {self.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, limit),
            )
            events = [(r[0], _uuid(r[1]), r[2], r[3], bytes(r[4])) for r in c.fetchall()]
            c.execute(
                f"SELECT notification_id, hash FROM {CHAIN_TABLE} WHERE notification_id > ?"
                " ORDER BY notification_id LIMIT ?",
                (after, limit),
            )
            return events, [(r[0], bytes(r[1])) for r in c.fetchall()]


# PostgreSQL --------------------------------------------------------------------------

_CHAIN_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.docintake_chain_event() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    previous bytea;
    topic_bytes bytea := convert_to(NEW.topic, 'UTF8');
BEGIN
    SELECT hash INTO previous FROM {schema}.{chain} ORDER BY notification_id DESC LIMIT 1;
    INSERT INTO {schema}.{chain} (notification_id, hash) VALUES (
        NEW.notification_id,
        sha256(
            coalesce(previous, decode(repeat('00', 32), 'hex'))
            || int8send(NEW.notification_id)
            || uuid_send(NEW.originator_id)
            || int8send(NEW.originator_version)
            || int4send(octet_length(topic_bytes)) || topic_bytes
            || int4send(octet_length(NEW.state)) || NEW.state
        )
    );
    RETURN NULL;
END
$body$
"""


class PostgresEventStore(KeyRows, PostgresApplicationRecorder):
    def _names(self) -> dict[str, Identifier]:
        return {
            "schema": Identifier(self.datastore.schema),
            "events": Identifier(self.events_table_name),
            "keys": Identifier(KEYS_TABLE),
            "owners": Identifier(OWNERS_TABLE),
            "owners_idx": Identifier(f"{OWNERS_TABLE}_customer_idx"),
            "chain": Identifier(CHAIN_TABLE),
            "snapshots": Identifier(snapshots_table_of(self.events_table_name)),
        }

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(**self._names())

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for statement in (
                "CREATE TABLE IF NOT EXISTS {schema}.{keys} (customer_id uuid PRIMARY KEY,"
                " wrapped_key bytea, master_key_id text, created_at timestamptz NOT NULL,"
                " destroyed_at timestamptz)",
                "CREATE TABLE IF NOT EXISTS {schema}.{owners} (aggregate_id uuid PRIMARY KEY,"
                " customer_id uuid NOT NULL, seq bigserial)",
                "CREATE INDEX IF NOT EXISTS {owners_idx} ON {schema}.{owners} (customer_id)",
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} (notification_id bigint PRIMARY KEY,"
                " hash bytea NOT NULL)",
                _CHAIN_FUNCTION,
            ):
                curs.execute(self._sql(statement))
            curs.execute(
                "SELECT 1 FROM pg_trigger WHERE tgname = 'docintake_chain'"
                " AND tgrelid = to_regclass(%s)",
                (f"{self.datastore.schema}.{self.events_table_name}",),
            )
            if curs.fetchone() is None:
                # Chain what was recorded before the chain existed, then let the trigger go on.
                curs.execute(self._sql("LOCK TABLE {schema}.{events} IN EXCLUSIVE MODE"))
                self._backfill_chain(curs)
                curs.execute(
                    self._sql(
                        "CREATE TRIGGER docintake_chain AFTER INSERT ON {schema}.{events}"
                        " FOR EACH ROW EXECUTE FUNCTION {schema}.docintake_chain_event()"
                    )
                )

    def _backfill_chain(self, curs: Cursor[DictRow]) -> None:
        curs.execute(self._sql("SELECT max(notification_id) AS n FROM {schema}.{chain}"))
        row = curs.fetchone()
        after = (row["n"] if row else None) or 0
        curs.execute(
            self._sql("SELECT hash FROM {schema}.{chain} WHERE notification_id = %s"), (after,)
        )
        last = curs.fetchone()
        previous = bytes(last["hash"]) if last else GENESIS
        curs.execute(
            self._sql(
                "SELECT notification_id, originator_id, originator_version, topic, state"
                " FROM {schema}.{events} WHERE notification_id > %s ORDER BY notification_id"
            ),
            (after,),
        )
        links = []
        for r in curs.fetchall():
            previous = chain_link(
                previous,
                r["notification_id"],
                r["originator_id"],
                r["originator_version"],
                r["topic"],
                bytes(r["state"]),
            )
            links.append((r["notification_id"], previous))
        if links:
            curs.executemany(
                self._sql("INSERT INTO {schema}.{chain} (notification_id, hash) VALUES (%s, %s)"),
                links,
            )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super().insert_events(stored_events, **kwargs)
        for stored in stored_events:
            if stored.topic == CUSTOMER_DELETED:
                customer_id = envelope_customer(stored.state)
                self._observe(customer_id, customer_id, None)
        return ids

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Runs inside the library's pipeline and transaction, before the events' insert.
        super()._insert_events(curs, stored_events, **kwargs)
        new_keys, owners, destroyed = self._key_changes(stored_events)
        if new_keys:
            fingerprint = self._customer_keys().master.fingerprint
            curs.executemany(
                self._sql(
                    "INSERT INTO {schema}.{keys} (customer_id, wrapped_key, master_key_id,"
                    " created_at) VALUES (%s, %s, %s, now())"
                ),
                [(k, w, fingerprint) for k, w in new_keys],
            )
        if owners:
            curs.executemany(
                self._sql(
                    "INSERT INTO {schema}.{owners} (aggregate_id, customer_id) VALUES (%s, %s)"
                    " ON CONFLICT (aggregate_id) DO NOTHING"
                ),
                owners,
            )
        if destroyed:
            curs.executemany(
                self._sql(
                    "UPDATE {schema}.{keys} SET wrapped_key = NULL, master_key_id = NULL,"
                    " destroyed_at = now() WHERE customer_id = %s"
                ),
                [(k,) for k in destroyed],
            )
            # Snapshots are a cache: an erased customer's go (any taken in plain text too).
            curs.executemany(
                self._sql("DELETE FROM {schema}.{snapshots} WHERE originator_id = %s"),
                [(k,) for k in destroyed],
            )

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        statement = self._sql(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state,"
            " o.customer_id AS owner, k.customer_id AS key_row, k.wrapped_key"
            " FROM {schema}.{events} e"
            " LEFT JOIN {schema}.{owners} o ON o.aggregate_id = e.originator_id"
            " LEFT JOIN {schema}.{keys} k ON k.customer_id = o.customer_id"
            " WHERE e.originator_id = %s"
        )
        params: list[Any] = [originator_id]
        if gt is not None:
            statement += SQL(" AND e.originator_version > %s")
            params.append(gt)
        if lte is not None:
            statement += SQL(" AND e.originator_version <= %s")
            params.append(lte)
        statement += SQL(" ORDER BY e.originator_version") + SQL(" DESC" if desc else " ASC")
        if limit is not None:
            statement += SQL(" LIMIT %s")
            params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            rows = curs.fetchall()
        if rows:
            self._observe(rows[0]["owner"], rows[0]["key_row"], rows[0]["wrapped_key"])
        return [
            StoredEvent(
                originator_id=row["originator_id"],
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        notifications = super().select_notifications(
            start, limit, stop, topics, inclusive_of_start=inclusive_of_start
        )
        self._prefetch(notifications)
        return notifications

    # For the key store, the auditor and the operator -------------------------------

    def fetch_keys(self, customer_ids: Iterable[UUID]) -> Mapping[UUID, bytes | None]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._sql(
                    "SELECT customer_id, wrapped_key FROM {schema}.{keys}"
                    " WHERE customer_id = ANY(%s)"
                ),
                (list(customer_ids),),
            )
            return {
                r["customer_id"]: None if r["wrapped_key"] is None else bytes(r["wrapped_key"])
                for r in curs.fetchall()
            }

    def parts_of(self, customer_id: UUID) -> tuple[list[UUID], int]:
        """The customer's links and files (the history's index): exact, since each owner
        row is written with its aggregate's first event. The position is read first, so
        nothing recorded meanwhile is missed."""
        position = self.max_notification_id() or 0
        return self.aggregates_of(customer_id), position

    def aggregates_of(self, customer_id: UUID) -> list[UUID]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._sql(
                    "SELECT aggregate_id FROM {schema}.{owners} WHERE customer_id = %s"
                    " AND aggregate_id <> customer_id ORDER BY seq"
                ),
                (customer_id,),
            )
            return [r["aggregate_id"] for r in curs.fetchall()]

    def wrapped_keys(self) -> list[tuple[UUID, bytes, str | None]]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._sql(
                    "SELECT customer_id, wrapped_key, master_key_id FROM {schema}.{keys}"
                    " WHERE wrapped_key IS NOT NULL"
                )
            )
            return [
                (r["customer_id"], bytes(r["wrapped_key"]), r["master_key_id"])
                for r in curs.fetchall()
            ]

    def rewrap_keys(self, old: MasterKey, new: MasterKey) -> int:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "SELECT customer_id, wrapped_key FROM {schema}.{keys}"
                    " WHERE wrapped_key IS NOT NULL AND master_key_id = %s FOR UPDATE"
                ),
                (old.fingerprint,),
            )
            rows = [(r["customer_id"], bytes(r["wrapped_key"])) for r in curs.fetchall()]
            curs.executemany(
                self._sql(
                    "UPDATE {schema}.{keys} SET wrapped_key = %s, master_key_id = %s"
                    " WHERE customer_id = %s"
                ),
                [(new.wrap(old.unwrap(w)), new.fingerprint, cid) for cid, w in rows],
            )
        return len(rows)

    def chain_pages(
        self, after: int, limit: int
    ) -> tuple[list[StoredRow], list[tuple[int, bytes]]]:
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            curs.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            curs.execute(
                self._sql(
                    "SELECT notification_id, originator_id, originator_version, topic, state"
                    " FROM {schema}.{events} WHERE notification_id > %s"
                    " ORDER BY notification_id LIMIT %s"
                ),
                (after, limit),
            )
            events = [
                (
                    r["notification_id"],
                    r["originator_id"],
                    r["originator_version"],
                    r["topic"],
                    bytes(r["state"]),
                )
                for r in curs.fetchall()
            ]
            curs.execute(
                self._sql(
                    "SELECT notification_id, hash FROM {schema}.{chain}"
                    " WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
                ),
                (after, limit),
            )
            return events, [(r["notification_id"], bytes(r["hash"])) for r in curs.fetchall()]
