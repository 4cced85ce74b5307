"""The tables of the webhook outbox, in the read-model database.

- `webhook_routes`: each endpoint's organisation, event types and whether it takes
  deliveries (the policy's own copy, in step with the events it routes);
- `webhook_customers`: the organisation of each customer (most events name only
  the customer);
- `webhook_deliveries`: the outbox, one row per (endpoint, event): its id is the
  `webhook-id` of every attempt, the body is fixed when the row is written;
  `state` is `pending`, `delivered`, `failed` (retries used up) or `stopped`
  (the endpoint was disabled or removed, or answered 410);
- `webhook_attempts`: the delivery log, one row per attempt.
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.database import Transaction

ROUTES = "webhook_routes"
CUSTOMERS = "webhook_customers"
DELIVERIES = "webhook_deliveries"
ATTEMPTS = "webhook_attempts"

TABLES: Sequence[str] = (ROUTES, CUSTOMERS, DELIVERIES, ATTEMPTS)

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
STOPPED = "stopped"


def create_webhook_tables(tx: Transaction, suffix: str = "") -> None:
    uuid, time = ("UUID", "TIMESTAMPTZ") if tx.dialect == "postgres" else ("TEXT", "TEXT")
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {ROUTES}{suffix} ("
        f" endpoint_id {uuid} PRIMARY KEY, organization_id {uuid} NOT NULL,"
        " event_types TEXT NOT NULL, enabled INTEGER NOT NULL)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {ROUTES}{suffix}_organization_idx"
        f" ON {ROUTES}{suffix} (organization_id)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {CUSTOMERS}{suffix} ("
        f" customer_id {uuid} PRIMARY KEY, organization_id {uuid} NOT NULL)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {DELIVERIES}{suffix} ("
        f" id {uuid} PRIMARY KEY, endpoint_id {uuid} NOT NULL, organization_id {uuid} NOT NULL,"
        f" event_type TEXT NOT NULL, body TEXT NOT NULL, created_at {time} NOT NULL,"
        f" state TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at {time},"
        f" last_status INTEGER, last_error TEXT, finished_at {time})"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {DELIVERIES}{suffix}_endpoint_idx"
        f" ON {DELIVERIES}{suffix} (endpoint_id, created_at)"
    )
    tx.execute(
        f"CREATE INDEX IF NOT EXISTS {DELIVERIES}{suffix}_state_idx"
        f" ON {DELIVERIES}{suffix} (state, next_attempt_at)"
    )
    tx.execute(
        f"CREATE TABLE IF NOT EXISTS {ATTEMPTS}{suffix} ("
        f" delivery_id {uuid} NOT NULL, attempt INTEGER NOT NULL, at {time} NOT NULL,"
        " status INTEGER, error TEXT, duration_ms INTEGER NOT NULL,"
        " PRIMARY KEY (delivery_id, attempt))"
    )
