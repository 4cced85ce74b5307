"""The organisation's webhook endpoints as the API and the settings page list them.

No secret, sealed or not: only the URL, the event types, whether the endpoint
takes deliveries (and why not) and when its secret last changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.webhook_endpoint import WebhookEndpoint
from projections.database import Database, Row, Transaction
from projections.projector import DomainEvent
from projections.rows import as_datetime, as_uuid

TABLE = "webhook_endpoints"


@dataclass(frozen=True)
class EndpointRow:
    id: UUID
    organization_id: UUID
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    secret_changed_at: datetime


class WebhookEndpointsProjection:
    name = "webhook_endpoints"

    def __init__(self) -> None:
        handled = (
            WebhookEndpoint.EndpointRegistered,
            WebhookEndpoint.EndpointChanged,
            WebhookEndpoint.SecretRotated,
            WebhookEndpoint.EndpointDisabled,
            WebhookEndpoint.EndpointEnabled,
            WebhookEndpoint.EndpointRemoved,
        )
        self.topics = [get_topic(cls) for cls in handled]

    def tables(self) -> Sequence[str]:
        return [TABLE]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        table = TABLE + table_suffix
        uuid, time = ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
        tx.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ("
            f" id {uuid} PRIMARY KEY, organization_id {uuid} NOT NULL, url TEXT NOT NULL,"
            " event_types TEXT NOT NULL, enabled INTEGER NOT NULL, disabled_reason TEXT,"
            f" created_at {time} NOT NULL, secret_changed_at {time} NOT NULL)"
        )
        tx.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_organization_idx"
            f" ON {table} (organization_id, created_at)"
        )

    def apply(self, tx: Transaction, events: Sequence[DomainEvent], table_suffix: str = "") -> None:
        table = TABLE + table_suffix
        for event in events:
            endpoint_id = event.originator_id
            if isinstance(event, WebhookEndpoint.EndpointRegistered):
                tx.execute(
                    f"INSERT INTO {table} (id, organization_id, url, event_types, enabled,"
                    " created_at, secret_changed_at) VALUES (%s, %s, %s, %s, 1, %s, %s)"
                    " ON CONFLICT (id) DO NOTHING",
                    (
                        endpoint_id,
                        event.organization_id,
                        event.url,
                        json.dumps(list(event.event_types)),
                        event.timestamp,
                        event.timestamp,
                    ),
                )
            elif isinstance(event, WebhookEndpoint.EndpointChanged):
                tx.execute(
                    f"UPDATE {table} SET url = %s, event_types = %s WHERE id = %s",
                    (event.url, json.dumps(list(event.event_types)), endpoint_id),
                )
            elif isinstance(event, WebhookEndpoint.SecretRotated):
                tx.execute(
                    f"UPDATE {table} SET secret_changed_at = %s WHERE id = %s",
                    (event.timestamp, endpoint_id),
                )
            elif isinstance(event, WebhookEndpoint.EndpointDisabled):
                tx.execute(
                    f"UPDATE {table} SET enabled = 0, disabled_reason = %s WHERE id = %s",
                    (event.reason, endpoint_id),
                )
            elif isinstance(event, WebhookEndpoint.EndpointEnabled):
                tx.execute(
                    f"UPDATE {table} SET enabled = 1, disabled_reason = NULL WHERE id = %s",
                    (endpoint_id,),
                )
            elif isinstance(event, WebhookEndpoint.EndpointRemoved):
                tx.execute(f"DELETE FROM {table} WHERE id = %s", (endpoint_id,))


def _endpoint(row: Row) -> EndpointRow:
    return EndpointRow(
        id=as_uuid(row["id"]),
        organization_id=as_uuid(row["organization_id"]),
        url=str(row["url"]),
        event_types=list(json.loads(row["event_types"])),
        enabled=bool(row["enabled"]),
        disabled_reason=row["disabled_reason"],
        created_at=as_datetime(row["created_at"]),  # type: ignore[arg-type]
        secret_changed_at=as_datetime(row["secret_changed_at"]),  # type: ignore[arg-type]
    )


class WebhookEndpointsView:
    def __init__(self, database: Database) -> None:
        self.database = database

    def of_organization(self, organization_id: UUID) -> list[EndpointRow]:
        with self.database.reading() as tx:
            rows = tx.fetchall(
                f"SELECT * FROM {TABLE} WHERE organization_id = %s ORDER BY created_at, id",
                (organization_id,),
            )
        return [_endpoint(row) for row in rows]
