"""What authentication's cache must forget, read from PostgreSQL's event table in one query."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql

from application.principal_cache import SCAN_PAGE


class PostgresChanges:
    """The head of the log and the originators of events of some topics after a position,
    in one round trip (`application.principal_cache.ChangeFeed`).

    The events' index on `notification_id` keeps the scan to the events after the
    position; the head comes from the same index.
    """

    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self._datastore = recorder.datastore
        table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
        # The changes are read in the log's order with a limit: the planner then walks the
        # index from the position on, however wrong its guess of the rows after it (a
        # parallel scan started for a wrong guess costs more than the query).
        self._statement = sql.SQL(
            "SELECT max(notification_id) AS position, NULL::uuid AS originator_id FROM {0}"
            " UNION ALL (SELECT notification_id, originator_id FROM {0}"
            " WHERE notification_id > %s AND topic = ANY(%s) ORDER BY notification_id LIMIT %s)"
        ).format(table)

    def changes(self, after: int, topics: Sequence[str]) -> tuple[int, list[UUID]]:
        with self._datastore.get_connection() as connection, connection.cursor() as cursor:
            # Never prepared: a generic plan cannot know that `after` is near the end of
            # the log, and would scan all of it on every request.
            cursor.execute(self._statement, (after, list(topics), SCAN_PAGE), prepare=False)
            rows = cursor.fetchall()
        head = next((int(r["position"] or 0) for r in rows if r["originator_id"] is None), 0)
        changes = sorted((r for r in rows if r["originator_id"] is not None), key=_position)
        if len(changes) == SCAN_PAGE:
            # More changes than a page: the next request reads on from the last one.
            head = int(changes[-1]["position"])
        return head, [UUID(str(row["originator_id"])) for row in changes]


def _position(row: dict[str, object]) -> int:
    return int(str(row["position"]))
