"""Read your writes: from a create's response to the row in the list, beside one save."""

from __future__ import annotations

import statistics
import time
import uuid

import httpx

from application.docintake import DocIntake
from bench.dataset import Tenant
from domain.customer import Customer
from domain.organization import Organization


def visible_after_create(client: httpx.Client, samples: int, timeout: float = 10.0) -> list[float]:
    """Seconds from each create's response until the same client's list shows the row."""
    delays = []
    for _ in range(samples):
        marker = f"ryw{uuid.uuid4().hex[:12]}"
        created = client.post("/api/v1/customers", json={"name": f"Fresh {marker}"})
        created.raise_for_status()
        answered = time.perf_counter()
        while True:
            listed = client.get("/api/v1/customers", params={"q": marker, "limit": 1})
            listed.raise_for_status()
            if listed.json()["total"] >= 1:
                break
            if time.perf_counter() - answered > timeout:
                raise RuntimeError(f"the created customer did not show up within {timeout} s")
        delays.append(time.perf_counter() - answered)
    return delays


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(fraction * 100) - 1]


def save_seconds(app: DocIntake, tenant: Tenant, samples: int) -> list[float]:
    """Seconds per event-store save of one create (the customer and its organisation slot)."""
    organization = app.load(tenant.organization_id, Organization)
    timings = []
    for number in range(samples):
        customer = Customer.create(
            tenant.organization_id, f"Saved {number}", None, None, tenant.user_id
        )
        organization.take_customer_slot(customer.id, tenant.user_id)
        started = time.perf_counter()
        app.save(organization, customer)
        timings.append(time.perf_counter() - started)
    return timings
