"""Snapshots of a customer are sealed with the customer's key like its events, and are
erased with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.customer import Customer
from infrastructure.bootstrap import Services
from infrastructure.event_encryption import MAGIC
from infrastructure.settings import Settings
from tests.integration.erasure.test_log_and_keys import raw_events, some_history

pytestmark = pytest.mark.timeout(180)
PERSONAL = (b"Anna", "Österreich".encode(), b"anna@example.at", "Ö GmbH".encode(), b"Notiz")


def stored_snapshots(settings: Settings, customer: object) -> list[bytes]:
    table = "stored_snapshots" if settings.database_url is None else "docintake_snapshots"
    originator = customer.hex if settings.database_url is None else customer  # type: ignore[attr-defined]
    with raw_events(settings) as sql:
        return [
            bytes(row[0])
            for row in sql(f"SELECT state FROM {table} WHERE originator_id = %s", (originator,))
        ]


def test_a_customers_snapshot_is_sealed_and_erased_with_its_key(
    make_services: Callable[..., Services], settings: Settings
) -> None:
    services = make_services(run_projections=False)
    customer, principal = some_history(services)
    services.app.take_snapshot(customer)

    [state] = stored_snapshots(settings, customer)
    assert state.startswith(MAGIC)
    for personal in PERSONAL:
        assert personal not in state, personal

    # Another process opens it with the customer's key and loads the customer from it.
    other = make_services(run_projections=False)
    [snapshot] = list(other.app.snapshots.get(customer, desc=True, limit=1))  # type: ignore[union-attr]
    assert snapshot.state["name"] == "Anna Österreich"  # type: ignore[attr-defined]
    loaded = other.app.repository.get(customer)
    assert isinstance(loaded, Customer)
    assert (loaded.name, loaded.email, loaded.version) == (
        "Anna Österreich",
        "anna@example.at",
        snapshot.originator_version,
    )

    # One taken in plain text before snapshots were sealed (as they were until 2c8ad1c).
    table = "stored_snapshots" if settings.database_url is None else "docintake_snapshots"
    originator = customer.hex if settings.database_url is None else customer
    with raw_events(settings) as sql:
        sql(
            f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
            " VALUES (%s, %s, %s, %s)",
            (originator, 2, "domain.customer:Customer", '{"name": "Anna Österreich"}'.encode()),
        )
    # Deleting the customer removes its snapshots with its key: loading gives the deleted
    # record, from the events' skeletons.
    services.app.customers.delete(principal, customer)
    assert stored_snapshots(settings, customer) == []
    assert other.app.repository.get(customer).deleted
    assert make_services(run_projections=False).app.repository.get(customer).deleted


def test_a_deletion_that_lands_on_a_snapshot_interval_erases_like_any_other(
    make_services: Callable[..., Services], settings: Settings
) -> None:
    services = make_services(run_projections=False)
    customer, principal = some_history(services)  # created and three notes: version 4
    interval = services.app.snapshotting_intervals[Customer]
    for number in range(interval - 5):
        services.app.customers.add_note(principal, customer, f"Notiz {number}")
    assert services.app.repository.get(customer).version == interval - 1
    # `CustomerDeleted` is the event at the interval: the deletion answers, nothing is kept.
    services.app.customers.delete(principal, customer)
    assert services.app.repository.get(customer).deleted
    assert stored_snapshots(settings, customer) == []
    assert make_services(run_projections=False).app.repository.get(customer).deleted
