"""Auditors' history: every stored event of a customer and its links and files, from the
event store; the state as of a version or a moment; the same from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import httpx

from application.history import REDACTED, customer_state
from application.principal import Principal
from domain.customer import Customer
from domain.organization import Organization
from infrastructure.bootstrap import Services
from projections.customer_parts import CustomerPartsProjection
from tests.support.api import Account
from tests.support.cli import docintake, docintake_in_process, environment
from tests.support.uploads import create_link, pdf_bytes, upload


def history(account: Account, customer_id: str, **params: Any) -> dict[str, Any]:
    response = account.get(f"/api/v1/customers/{customer_id}/history", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stored_events_of(services: Services, customer_id: UUID) -> list[Any]:
    """Ground truth: every event in the whole log that is the customer's or names it as its
    owner (the organisation's slot bookkeeping names it too, but is the organisation's)."""
    app = services.app
    found = []
    for notification in app.recorder.select_notifications(start=None, limit=100_000):
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, Organization.Event):
            continue
        if customer_id in (event.originator_id, getattr(event, "customer_id", None)):
            found.append(event)
    return found


def test_state_as_of_each_version_is_the_aggregate_after_that_command(
    account: Account, services: Services
) -> None:
    cid = account.create_customer("Anna", email="anna@example.com")["id"]
    commands: list[Callable[[], httpx.Response]] = [
        lambda: account.patch(f"/api/v1/customers/{cid}", json={"company": "Firma"}),
        lambda: account.put(f"/api/v1/customers/{cid}/status", json={"status": "complete"}),
        lambda: account.post(f"/api/v1/customers/{cid}/notes", json={"text": "Notiz"}),
        lambda: account.patch(f"/api/v1/customers/{cid}", json={"email": None, "name": "Anna B"}),
        lambda: account.put(f"/api/v1/customers/{cid}/status", json={"status": "open"}),
    ]
    after: dict[int, dict[str, Any]] = {}

    def remember() -> None:
        customer = services.app.repository.get(UUID(cid))
        after[customer.version] = customer_state(customer)

    remember()
    for command in commands:
        assert command().status_code in {200, 201}
        remember()
    assert sorted(after) == [1, 2, 3, 4, 5, 6]

    events = [e for e in history(account, cid)["events"] if e["aggregate_id"] == cid]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5, 6]
    for version, state in after.items():
        assert history(account, cid, version=version)["state"] == state
        moment = events[version - 1]["timestamp"]
        assert history(account, cid, at=moment)["state"] == state
    too_far = account.get(f"/api/v1/customers/{cid}/history", params={"version": 7})
    assert too_far.status_code == 422
    before = account.get(f"/api/v1/customers/{cid}/history", params={"at": "2000-01-01T00:00:00Z"})
    assert before.status_code == 404


def test_history_lists_links_and_files_with_the_customer_in_order(
    account: Account, http: httpx.Client, services: Services
) -> None:
    cid = account.create_customer("Anna")["id"]
    link = create_link(account, cid, title="Unterlagen", password="geheim12345")
    uploaded = upload(
        http,
        link,
        ("a.pdf", pdf_bytes(3_000)),
        ("b.pdf", pdf_bytes(4_000)),
        headers={"X-Link-Password": "geheim12345"},
    )
    assert uploaded.status_code == 201, uploaded.text
    first_file = uploaded.json()["files"][0]["id"]
    account.put(f"/api/v1/files/{first_file}/review", json={"state": "checked"})
    sent = account.post(
        f"/api/v1/customers/{cid}/sent-files", files={"file": ("Bescheid.pdf", pdf_bytes(2_000))}
    )
    assert sent.status_code == 201, sent.text
    account.post(f"/api/v1/links/{link['id']}/revoke")
    account.post(f"/api/v1/customers/{cid}/notes", json={"text": "fertig"})
    # Someone else's customer: none of its events may appear.
    other = account.create_customer("Bernd")["id"]
    create_link(account, other)

    events = history(account, cid)["events"]
    truth = stored_events_of(services, UUID(cid))
    assert sorted((e["aggregate_id"], e["version"]) for e in events) == sorted(
        (str(e.originator_id), e.originator_version) for e in truth
    )
    times = [e["timestamp"] for e in events]
    assert times == sorted(times)
    kinds = {e["aggregate_type"] for e in events}
    assert kinds == {"Customer", "UploadLink", "ReceivedFile", "SentFile"}
    for aggregate in {e["aggregate_id"] for e in events}:
        versions = [e["version"] for e in events if e["aggregate_id"] == aggregate]
        assert versions == list(range(1, len(versions) + 1))
    types = [e["type"] for e in events]
    assert types[0] == "CustomerCreated" and types[-1] == "NoteAdded"
    assert types.count("FileUploaded") == 2
    assert types.index("UploadLinkCreated") < types.index("FileUploaded")
    assert types.index("FileReviewed") < types.index("UploadLinkRevoked")
    created = next(e for e in events if e["type"] == "UploadLinkCreated")
    assert created["data"]["password_hash"] == REDACTED
    assert created["actor_id"] == account.user_id


def test_history_is_complete_while_the_index_lags(
    lean_services: Callable[..., Services],
) -> None:
    """The index of links and files only saves reading the log: without it, or behind,
    the history still holds everything."""
    services = lean_services(run_projections=False)
    app = services.app
    signed = app.accounts.sign_up("Kanzlei", "lag@example.com", "correct horse battery", "team")
    principal: Principal = app.accounts.authenticate(signed.token)
    cid = app.customers.create(principal, "Anna").id
    first = app.links.create(principal, cid, title="eins").id

    # No read model has run: the log is read from the start.
    assert services.app.history.customer_parts_index is not None
    assert services.app.history.customer_parts_index.parts_of(cid) == ([], 0)
    assert first in {e.aggregate_id for e in app.history.of_customer(cid)}

    follower = services.follower(CustomerPartsProjection())
    follower.prepare()
    follower.catch_up()
    second = app.links.create(principal, cid, title="zwei").id
    indexed, position = services.app.history.customer_parts_index.parts_of(cid)
    assert indexed == [first] and position > 0
    # The second link comes from the part of the log the index has not read yet.
    assert app.history.customer_parts(cid) == [first, second]
    linked = [e for e in app.history.of_customer(cid) if e.aggregate_type == "UploadLink"]
    assert {e.aggregate_id for e in linked} == {first, second}


def test_audit_history_on_the_command_line(
    account: Account, http: httpx.Client, services: Services
) -> None:
    cid = account.create_customer("Anna")["id"]
    link = create_link(account, cid, title="Unterlagen")
    assert upload(http, link, ("a.pdf", pdf_bytes(3_000))).status_code == 201
    account.put(f"/api/v1/customers/{cid}/status", json={"status": "complete"})
    over_http = history(account, cid)["events"]
    env = environment(services.settings)

    # The installed command, as a process: its output and exit statuses (here and below).
    printed = docintake(env, "audit", "history", cid)
    assert printed.returncode == 0, printed.stderr
    lines = [json.loads(line) for line in printed.stdout.splitlines()]
    assert [(e["aggregate_id"], e["version"], e["type"], e["data"]) for e in lines] == [
        (e["aggregate_id"], e["version"], e["type"], e["data"]) for e in over_http
    ]

    # As of the moment the link was created: the events until then, and the state then.
    moment = next(e["timestamp"] for e in over_http if e["type"] == "UploadLinkCreated")
    then = docintake_in_process(env, "audit", "history", cid, "--at", moment)
    assert then.returncode == 0, then.stderr
    *event_lines, state_line = [json.loads(line) for line in then.stdout.splitlines()]
    assert [e["type"] for e in event_lines] == ["CustomerCreated", "UploadLinkCreated"]
    assert state_line["state"]["status"] == "open"
    assert state_line["state"]["version"] == 1

    table = docintake_in_process(env, "audit", "history", cid, "--format", "table")
    assert table.returncode == 0, table.stderr
    rows = table.stdout.splitlines()
    assert rows[0].split()[:4] == ["time", "aggregate", "version", "type"]
    assert len(rows) == 1 + len(over_http)
    assert "FileUploaded" in table.stdout and '"filename": "a.pdf"' in table.stdout

    missing = docintake(env, "audit", "history", str(UUID(int=1)))
    assert missing.returncode == 1
    assert "No customer" in missing.stderr


def test_an_old_customer_created_event_reads_as_the_current_version(
    lean_services: Callable[..., Services],
) -> None:
    """Version 1 of CustomerCreated had no `language`: stored as it was then, it is read
    back as version 2, with the language every customer had then."""
    from datetime import UTC, datetime

    from eventsourcing.persistence import StoredEvent
    from eventsourcing.utils import get_topic

    services = lean_services(run_projections=False)
    app = services.app
    customer_id = UUID(int=42)
    organization_id, actor_id = UUID(int=7), UUID(int=8)
    version_1 = {
        "timestamp": datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        "originator_topic": get_topic(Customer),
        "organization_id": organization_id,
        "name": "Altkunde",
        "email": None,
        "company": "Alt GmbH",
        "actor_id": actor_id,
    }
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=customer_id,
                originator_version=1,
                topic=get_topic(Customer.CustomerCreated),
                state=app.mapper.transcoder.encode(version_1),
            )
        ]
    )

    customer = app.repository.get(customer_id)
    assert isinstance(customer, Customer)
    assert (customer.name, customer.company, customer.language) == ("Altkunde", "Alt GmbH", "de")
    assert customer.customer_number is None
    (created,) = app.events.get(customer_id)
    assert isinstance(created, Customer.CustomerCreated)
    assert created.language == "de" and created.customer_number is None
    assert app.history.of_customer(customer_id)[0].data["language"] == "de"

    # New events are written in the current shape, with their version.
    fresh = Customer.create(organization_id, "Neukunde", None, None, actor_id)
    app.save(fresh)
    stored = app.recorder.select_events(fresh.id)[0]
    # Stored encrypted (a customer's event): its state is read through the customer's key.
    plain = getattr(app.mapper, "decrypted_state", lambda stored: stored.state)(stored)
    state = app.mapper.transcoder.decode(plain)
    assert state["class_version"] == 3 and state["language"] == "de"
    assert state["customer_number"] is None
