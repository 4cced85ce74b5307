"""The webhook policy: follows the event log and fills the outbox, exactly once.

For every event of a type some endpoint of the organisation subscribed to, it
writes one outbox row per endpoint (keyed by endpoint and event, so an event
applied twice gives no second row) and queues the delivery job, in the batch's
transaction: its tracking position moves only when both commit. The routing
table it reads is written by the same policy from the endpoints' own events, so
an endpoint hears exactly the events recorded after its registration (and
before its removal), whichever process applies them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from application.jobs.kinds import Job, JobKind
from application.jobs.ports import JobQueue
from application.webhook_mapping import OCCURRENCES, Occurrence, occurrence_of
from application.webhook_state import (
    CUSTOMERS,
    DELIVERIES,
    PENDING,
    ROUTES,
    STOPPED,
    TABLES,
    create_webhook_tables,
)
from domain.customer import Customer
from domain.webhook_endpoint import WebhookEndpoint
from projections.database import Transaction
from projections.rows import as_uuid

_DELIVERY_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/webhook-delivery")


def delivery_id_for(endpoint_id: UUID, event_id: UUID, event_version: int) -> UUID:
    """The `webhook-id` of the delivery of one event to one endpoint (the same every time)."""
    return uuid5(_DELIVERY_NAMESPACE, f"{endpoint_id}:{event_id}:{event_version}")


def deliver_webhook_job(delivery_id: UUID) -> Job:
    return Job(JobKind.DELIVER_WEBHOOK, {"delivery_id": str(delivery_id)})


def payload(delivery_id: UUID, occurrence: Occurrence, organization_id: UUID, at: Any) -> str:
    """The body, fixed once: every attempt sends (and signs) the same bytes."""
    data = {"organization_id": str(organization_id), "customer_id": str(occurrence.customer_id)}
    if occurrence.link_id is not None:
        data["link_id"] = str(occurrence.link_id)
    if occurrence.file_id is not None:
        data["file_id"] = str(occurrence.file_id)
    body = {
        "id": str(delivery_id),
        "type": occurrence.type,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"))


class WebhookPolicy:
    """Turns events into outbox rows and delivery jobs (see the module's words)."""

    name = "webhooks"

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue
        endpoint_events = (
            WebhookEndpoint.EndpointRegistered,
            WebhookEndpoint.EndpointChanged,
            WebhookEndpoint.EndpointDisabled,
            WebhookEndpoint.EndpointEnabled,
            WebhookEndpoint.EndpointRemoved,
            WebhookEndpoint.RedeliveryRequested,
        )
        self.topics = [get_topic(cls) for cls in (*endpoint_events, *OCCURRENCES)]

    def tables(self) -> Sequence[str]:
        return TABLES

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        create_webhook_tables(tx, table_suffix)

    def apply(self, tx: Transaction, events: Sequence[Any], table_suffix: str = "") -> None:
        for event in events:
            if isinstance(
                event, WebhookEndpoint.EndpointRegistered | WebhookEndpoint.EndpointChanged
            ):
                self._route(tx, event, table_suffix)
            elif isinstance(event, WebhookEndpoint.EndpointEnabled):
                self._switch(tx, event.originator_id, True, table_suffix)
            elif isinstance(
                event, WebhookEndpoint.EndpointDisabled | WebhookEndpoint.EndpointRemoved
            ):
                self._switch(tx, event.originator_id, False, table_suffix)
            elif isinstance(event, WebhookEndpoint.RedeliveryRequested):
                self._send_again(tx, event, table_suffix)
            else:
                self._occurred(tx, event, table_suffix)

    def _route(self, tx: Transaction, event: Any, suffix: str) -> None:
        types = json.dumps(list(event.event_types))
        tx.execute(
            f"INSERT INTO {ROUTES}{suffix} (endpoint_id, organization_id, event_types, enabled)"
            " VALUES (%s, %s, %s, 1) ON CONFLICT (endpoint_id) DO UPDATE"
            " SET event_types = excluded.event_types",
            (event.originator_id, event.organization_id, types),
        )

    def _switch(self, tx: Transaction, endpoint_id: UUID, enabled: bool, suffix: str) -> None:
        tx.execute(
            f"UPDATE {ROUTES}{suffix} SET enabled = %s WHERE endpoint_id = %s",
            (int(enabled), endpoint_id),
        )
        if not enabled:
            tx.execute(
                f"UPDATE {DELIVERIES}{suffix} SET state = %s, next_attempt_at = NULL"
                " WHERE endpoint_id = %s AND state = %s",
                (STOPPED, endpoint_id, PENDING),
            )

    def _send_again(self, tx: Transaction, event: Any, suffix: str) -> None:
        changed = tx.fetchone(
            f"UPDATE {DELIVERIES}{suffix} SET state = %s, next_attempt_at = %s, attempts = 0,"
            " finished_at = NULL WHERE id = %s AND endpoint_id = %s RETURNING id",
            (PENDING, event.timestamp, event.delivery_id, event.originator_id),
        )
        if changed is not None and not suffix:
            self.queue.enqueue(deliver_webhook_job(event.delivery_id), tx=tx)

    def _occurred(self, tx: Transaction, event: Any, suffix: str) -> None:
        if isinstance(event, Customer.CustomerCreated):
            tx.execute(
                f"INSERT INTO {CUSTOMERS}{suffix} (customer_id, organization_id) VALUES (%s, %s)"
                " ON CONFLICT (customer_id) DO NOTHING",
                (event.originator_id, event.organization_id),
            )
        occurrence = occurrence_of(event)
        if occurrence is None:
            return
        organization_id = getattr(event, "organization_id", None)
        if organization_id is None:
            row = tx.fetchone(
                f"SELECT organization_id FROM {CUSTOMERS}{suffix} WHERE customer_id = %s",
                (occurrence.customer_id,),
            )
            if row is None:
                return  # a customer erased before this policy met it
            organization_id = as_uuid(row["organization_id"])
        routes = tx.fetchall(
            f"SELECT endpoint_id, event_types FROM {ROUTES}{suffix}"
            " WHERE organization_id = %s AND enabled = 1",
            (organization_id,),
        )
        for route in routes:
            if occurrence.type not in json.loads(route["event_types"]):
                continue
            endpoint_id = as_uuid(route["endpoint_id"])
            delivery_id = delivery_id_for(
                endpoint_id, event.originator_id, event.originator_version
            )
            inserted = tx.fetchone(
                f"INSERT INTO {DELIVERIES}{suffix} (id, endpoint_id, organization_id, event_type,"
                " body, created_at, state, attempts, next_attempt_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s)"
                " ON CONFLICT (id) DO NOTHING RETURNING id",
                (
                    delivery_id,
                    endpoint_id,
                    organization_id,
                    occurrence.type,
                    payload(delivery_id, occurrence, organization_id, event.timestamp),
                    event.timestamp,
                    PENDING,
                    event.timestamp,
                ),
            )
            if inserted is not None and not suffix:
                self.queue.enqueue(deliver_webhook_job(delivery_id), tx=tx)
        if occurrence.type == "customer.deleted":
            tx.execute(
                f"DELETE FROM {CUSTOMERS}{suffix} WHERE customer_id = %s", (event.originator_id,)
            )
