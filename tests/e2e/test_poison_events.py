"""An event a read model cannot store stalls nothing (PostgreSQL): a note with a NUL byte,
written straight to the event store (the API refuses such text), is recorded as a poison
event; every organisation's reads stay fresh; the operator sees it and can retry it."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID, uuid4

import httpx
import pytest

from domain.customer import Customer
from infrastructure.bootstrap import Services
from tests.support.api import signup
from tests.support.cli import docintake_in_process, environment
from tests.support.server import running_server

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_nul_byte_in_a_note_stalls_no_organisation(
    make_services: Callable[..., Services],
) -> None:
    services = make_services(read_wait_seconds=5.0)
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as client:
        poisoned_org = signup(client, plan="team", name="Kanzlei Null")
        other_org = signup(client, plan="team", name="Kanzlei Andere")
        victim = poisoned_org.create_customer("Jürgen Nul")["id"]
        bystander = other_org.create_customer("Anna Daneben")["id"]

        # Straight to the event store, past the API's and the domain's checks.
        app = services.app
        customer = app.load(UUID(victim), Customer)
        customer._note_added(note_id=uuid4(), text="c\x00", actor_id=UUID(poisoned_org.user_id))
        position = app.record(customer)

        # Another organisation's next reads (which wait for the event log's head) are
        # fresh at once, and its new note shows.
        started = time.perf_counter()
        read = other_org.get(f"/api/v1/customers/{bystander}")
        assert read.status_code == 200
        assert "X-Read-Model-Stale" not in read.headers
        assert time.perf_counter() - started < 3.0
        noted = other_org.post(f"/api/v1/customers/{bystander}/notes", json={"text": "weiter"})
        assert noted.status_code == 201, noted.text
        notes = other_org.get(f"/api/v1/customers/{bystander}").json()["notes"]
        assert [n["text"] for n in notes] == ["weiter"]
        # The poisoned customer itself reads fresh too, without the note.
        own = poisoned_org.get(f"/api/v1/customers/{victim}")
        assert "X-Read-Model-Stale" not in own.headers
        assert own.json()["notes"] == []

    env = environment(services.settings)
    status = docintake_in_process(env, "projections", "status")
    assert status.returncode == 0, status.stderr
    assert "poison events (" in status.stdout
    [line] = [
        row for row in status.stdout.splitlines() if row.startswith(f"customer_detail  {position}")
    ]
    # The error by its class and place: its words could quote the note.
    assert "NoteAdded" in line and "DataError at " in line

    retried = docintake_in_process(env, "projections", "retry", "customer_detail", str(position))
    assert retried.returncode == 1
    assert "still fails" in retried.stdout
    unknown = docintake_in_process(
        env, "projections", "retry", "customer_detail", str(position + 1000)
    )
    assert unknown.returncode == 2
    assert "no poison event" in unknown.stderr
