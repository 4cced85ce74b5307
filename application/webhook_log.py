"""The delivery log of an endpoint: what was sent, how it went, each attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.webhook_state import ATTEMPTS, DELIVERIES
from projections.database import Database, Row
from projections.rows import as_datetime, as_uuid

#: Deliveries listed per endpoint, newest first.
LOG_LENGTH = 100


@dataclass(frozen=True)
class Attempt:
    number: int
    at: datetime
    status: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    id: UUID
    endpoint_id: UUID
    organization_id: UUID
    event_type: str
    body: str
    created_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    finished_at: datetime | None
    log: list[Attempt]


def _delivery(row: Row, log: list[Attempt]) -> Delivery:
    return Delivery(
        id=as_uuid(row["id"]),
        endpoint_id=as_uuid(row["endpoint_id"]),
        organization_id=as_uuid(row["organization_id"]),
        event_type=str(row["event_type"]),
        body=str(row["body"]),
        created_at=as_datetime(row["created_at"]),  # type: ignore[arg-type]
        state=str(row["state"]),
        attempts=int(row["attempts"]),
        next_attempt_at=as_datetime(row["next_attempt_at"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        finished_at=as_datetime(row["finished_at"]),
        log=log,
    )


class WebhookLog:
    """Reads the outbox and its attempts (written by the policy and the delivery job)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def deliveries(self, endpoint_id: UUID, limit: int = LOG_LENGTH) -> list[Delivery]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT * FROM {DELIVERIES} WHERE endpoint_id = %s"
                f" ORDER BY created_at DESC, id LIMIT {int(limit)}",
                (endpoint_id,),
            )
            ids = [row["id"] for row in rows]
            attempts: dict[UUID, list[Attempt]] = {as_uuid(i): [] for i in ids}
            if ids:
                marks = ", ".join(["%s"] * len(ids))
                for a in tx.fetchall(
                    f"SELECT * FROM {ATTEMPTS} WHERE delivery_id IN ({marks})"
                    " ORDER BY delivery_id, attempt",
                    ids,
                ):
                    attempts[as_uuid(a["delivery_id"])].append(
                        Attempt(
                            number=int(a["attempt"]),
                            at=as_datetime(a["at"]),  # type: ignore[arg-type]
                            status=a["status"],
                            error=a["error"],
                            duration_ms=int(a["duration_ms"]),
                        )
                    )
        return [_delivery(row, attempts[as_uuid(row["id"])]) for row in rows]

    def delivery(self, delivery_id: UUID) -> Delivery | None:
        with self.database.reading() as tx:
            row = tx.fetchone(f"SELECT * FROM {DELIVERIES} WHERE id = %s", (delivery_id,))
        return _delivery(row, []) if row else None
