"""What authentication's cache must forget, read from PostgreSQL's event table in one query."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql


class PostgresChanges:
    """The head of the log and the originators of events of some topics after a position,
    in one round trip (`application.principal_cache.ChangeFeed`).

    The events' index on `notification_id` keeps the scan to the events after the
    position; the head comes from the same index.
    """

    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
        self._statement = sql.SQL(
            "SELECT max(notification_id) AS position, NULL::uuid AS originator_id FROM {0}"
            " UNION ALL SELECT notification_id, originator_id FROM {0}"
            " WHERE notification_id > %s AND topic = ANY(%s)"
        ).format(table)

    def changes(self, after: int, topics: Sequence[str]) -> tuple[int, list[UUID]]:
        with self._datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(self._statement, (after, list(topics)), prepare=True)
            rows = cursor.fetchall()
        head = max((int(row["position"] or 0) for row in rows), default=0)
        changed = [UUID(str(row["originator_id"])) for row in rows if row["originator_id"]]
        return head, changed
