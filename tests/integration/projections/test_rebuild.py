"""Rebuilding beside the live read model and verifying it: under concurrent writes, while
the API answers, and against a read model that has been tampered with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx
import pytest

from application.principal import Principal
from domain.customer import Customer
from domain.values import CustomerStatus
from infrastructure.bootstrap import Services
from tests.support.api import Account, signup
from tests.support.cli import docintake_in_process, environment
from tests.support.read_models import populate
from tests.support.server import running_server

READ_MODELS = ["customer_list", "customer_activity", "customer_detail", "customer_parts"]


def write_until(services: Services, stop: threading.Event) -> threading.Thread:
    """Commands in a loop (create, note, status, change, delete) until `stop` is set."""
    app = services.app
    signed = app.accounts.sign_up(
        "Schreiber", "writer@example.com", "correct horse battery", "team"
    )
    principal: Principal = app.accounts.authenticate(signed.token)

    def write() -> None:
        number = 0
        while not stop.is_set():
            customer = app.customers.create(principal, f"Neu {number}").id
            app.customers.add_note(principal, customer, "während des Neuaufbaus")
            app.customers.set_status(principal, customer, CustomerStatus.PARTIAL)
            app.customers.change_details(principal, customer, {"company": f"Firma {number}"})
            if number % 3 == 0:
                app.customers.delete(principal, customer)
            number += 1

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_rebuild_under_concurrent_writes_ends_equal_to_verify(
    lean_services: Callable[..., Services],
) -> None:
    services = lean_services(projection_batch_size=25)
    services.runtime.start()
    populate(services.app, 300)
    models = services.read_models()
    stop = threading.Event()
    writer = write_until(services, stop)
    try:
        heads = []
        for name in ("customer_list", "customer_activity"):
            before = services.app.head()
            result = models.rebuild(name)
            heads.append((before, result.position))
    finally:
        stop.set()
        writer.join(timeout=30)
    # Writes went on while each rebuild ran: it took over at a later head than it started from.
    assert all(end > start for start, end in heads), heads
    assert services.positions.caught_up(services.app.head(), 20)
    for name in READ_MODELS:
        verification = models.verify(name)
        assert verification.equal, (name, verification.counts, verification.shown[:3])


def test_the_list_answers_throughout_a_rebuild(lean_services: Callable[..., Services]) -> None:
    services = lean_services(projection_batch_size=20)
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as client:
        owner = signup(client, plan="team")
        customer = owner.create_customer("Erster Kunde")
        # Many more customers of the same organisation, straight through the event store.
        populate_into(services, owner, 400)
        assert services.positions.caught_up(services.app.head(), 30)
        expected = owner.get("/api/v1/customers", params={"limit": 5}).json()["total"]
        assert expected == 401

        problems: list[str] = []
        answers: list[int] = []
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                listed = owner.get("/api/v1/customers", params={"limit": 5})
                activity = owner.get(f"/api/v1/customers/{customer['id']}/activity")
                body: dict[str, Any] = listed.json()
                if listed.status_code != 200 or activity.status_code != 200:
                    problems.append(f"{listed.status_code} {activity.status_code}")
                elif body["total"] != expected or len(body["items"]) != 5:
                    problems.append(f"total {body['total']}, {len(body['items'])} items")
                elif not activity.json()["items"]:
                    problems.append("empty activity")
                answers.append(listed.status_code)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            models = services.read_models()
            for name in ("customer_list", "customer_activity"):
                during = len(answers)
                models.rebuild(name)
                assert len(answers) > during, f"no request was answered during the {name} rebuild"
            settle = len(answers)
            while len(answers) < settle + 10:
                done.wait(0.01)
        finally:
            done.set()
            poller.join(timeout=30)
        assert problems == []


def populate_into(services: Services, owner: Account, customers: int) -> None:
    """Customers of the owner's organisation, saved in one go (plan slots do not matter here)."""
    organization_id, actor_id = UUID(owner.organization_id), UUID(owner.user_id)
    batch = [
        Customer.create(organization_id, f"Kunde {n:04d}", None, None, actor_id)
        for n in range(customers)
    ]
    services.app.save(*batch)


def test_verify_finds_every_kind_of_difference_and_rebuild_repairs_it(
    account: Account, services: Services
) -> None:
    """On the shared server: only this test's rows are tampered with, and repaired."""
    models = services.read_models()
    events_before = models.events_to_read("customer_list")
    kept = account.create_customer("Bleibt")["id"]
    changed = account.create_customer("Wird verändert")["id"]
    removed = account.create_customer("Wird entfernt")["id"]
    account.post(f"/api/v1/customers/{kept}/notes", json={"text": "Notiz"})
    assert services.positions.caught_up(services.app.head(), 10)
    # Three creates and one note: a rebuild of the customer list reads four more events.
    assert models.events_to_read("customer_list") == events_before + 4
    assert models.verify("customer_list").equal

    with services.database.transaction() as tx:
        tx.execute("UPDATE customer_list SET name = 'Falsch' WHERE id = %s", (changed,))
        tx.execute("DELETE FROM customer_list WHERE id = %s", (removed,))
        tx.execute(
            "UPDATE customer_list SET id = %s WHERE id = %s",
            (_other_id(kept), kept),
        )
    verification = models.verify("customer_list")
    assert not verification.equal
    kinds = {(d.kind, str(d.key["id"])) for d in verification.shown}
    assert ("changed", changed) in kinds
    assert ("missing", removed) in kinds
    assert ("missing", kept) in kinds
    assert ("unexpected", _other_id(kept)) in kinds
    assert verification.counts == {"customer_list": 4}

    env = environment(services.settings)
    printed = docintake_in_process(env, "projections", "verify", "customer_list")
    assert printed.returncode == 1
    assert "customer_list: 4 difference(s)" in printed.stdout
    assert "name: live='Falsch' rebuilt='Wird verändert'" in printed.stdout

    dry = docintake_in_process(env, "projections", "rebuild", "customer_list", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == f"customer_list: would read {events_before + 4} events"

    rebuilt = docintake_in_process(env, "projections", "rebuild", "customer_list")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "customer_list: rebuilt from" in rebuilt.stdout
    assert models.verify("customer_list").equal
    listed = account.get("/api/v1/customers").json()
    assert listed["total"] == 3
    assert sorted(c["name"] for c in listed["items"]) == [
        "Bleibt",
        "Wird entfernt",
        "Wird verändert",
    ]


def _other_id(customer_id: str) -> str:
    return customer_id[:-1] + ("0" if customer_id[-1] != "0" else "1")
