"""The projection host: one read of the log for every projection, a failing projection held
apart from the others, poison events recorded and applied again, leases kept without queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
import pytest
from eventsourcing.utils import get_topic

from application.event_log import EventLog
from application.principal import Principal
from domain.customer import Customer
from infrastructure.bootstrap import Services
from infrastructure.failures import of_the_surroundings
from infrastructure.leases import postgres_lease_holders
from projections.database import Transaction
from projections.host import ProjectorHost
from projections.poison import poison_events, retry_poison_event
from projections.projector import Stretch
from tests.support.read_models import wait_until

PASSWORD = "correct horse battery"


class Guestbook:
    """A projection of customer names that fails on purpose: for a name with "Gift" while
    `broken`, and for every event while `storage_down` (an error that passes)."""

    name = "guestbook"

    def __init__(self) -> None:
        self.topics = [get_topic(Customer.CustomerCreated)]
        self.broken = True
        self.storage_down = False

    def tables(self) -> Sequence[str]:
        return ["guestbook"]

    def create_tables(self, tx: Transaction, table_suffix: str = "") -> None:
        tx.execute(f"CREATE TABLE IF NOT EXISTS guestbook{table_suffix} (name TEXT PRIMARY KEY)")

    def apply(self, tx: Transaction, events: Sequence[Any], table_suffix: str = "") -> None:
        for event in events:
            if self.storage_down:
                raise ConnectionRefusedError("storage is away")
            if self.broken and "Gift" in event.name:
                raise ValueError(f"cannot sign {event.name}")
            tx.execute(f"INSERT INTO guestbook{table_suffix} (name) VALUES (%s)", (event.name,))


def signed_names(services: Services) -> set[str]:
    with services.database.reading() as tx:
        return {str(r["name"]) for r in tx.fetchall("SELECT name FROM guestbook")}


def tracked(services: Services, name: str) -> int:
    with services.database.reading() as tx:
        row = tx.fetchone("SELECT position FROM projection_tracking WHERE projection = %s", (name,))
    return int(row["position"]) if row else 0


@pytest.fixture
def services(lean_services: Callable[..., Services]) -> Services:
    services = lean_services(run_projections=False)
    services.prepare_read_models()
    return services


@pytest.fixture
def owner(services: Services) -> Principal:
    signed = services.app.accounts.sign_up("Kanzlei Gast", "gast@example.com", PASSWORD, "team")
    return services.app.accounts.authenticate(signed.token)


def test_a_poison_event_is_passed_over_listed_and_applied_again(
    services: Services, owner: Principal
) -> None:
    guestbook = Guestbook()
    host = services.runtime.run_followers(["customer_list"])
    host.add(guestbook, services.lease(guestbook.name))
    app = services.app
    app.customers.create(owner, "Anna Müller")
    poisoned = app.customers.create(owner, "Gift Berta")
    app.customers.create(owner, "Clara Straße")
    head = app.head()
    wait_until(lambda: tracked(services, "guestbook") == head, what="guestbook past the poison")
    wait_until(lambda: services.positions.position("customer_list") == head, what="list")

    # The others were not held back, and the guestbook went on past the event.
    names = {row.name for row in services.customer_list.search(owner.organization_id).items}
    assert names == {"Anna Müller", "Gift Berta", "Clara Straße"}
    assert signed_names(services) == {"Anna Müller", "Clara Straße"}
    with services.database.reading() as tx:
        [poison] = poison_events(tx, "guestbook")
    topic = get_topic(Customer.CustomerCreated)
    [created_at] = [
        position
        for position, event in EventLog(app).read(0, 100, head, [topic])
        if event.originator_id == poisoned.id
    ]
    assert (poison.position, poison.topic) == (created_at, topic)
    # Class and place, never the words: the error quoted the customer's name.
    assert poison.error.startswith("ValueError at test_host.py:"), poison.error
    assert "Berta" not in poison.error

    def retry() -> None:
        retry_poison_event(services.database, EventLog(app), guestbook, poison.position)

    # Still broken: the retry fails, and the poison stays recorded.
    with pytest.raises(ValueError):
        retry()
    with services.database.reading() as tx:
        assert [p.position for p in poison_events(tx, "guestbook")] == [poison.position]

    guestbook.broken = False
    retry()
    assert signed_names(services) == {"Anna Müller", "Gift Berta", "Clara Straße"}
    with services.database.reading() as tx:
        assert poison_events(tx, "guestbook") == []


def test_a_projection_whose_surroundings_fail_is_retried_alone_and_never_poisoned(
    services: Services, owner: Principal
) -> None:
    guestbook = Guestbook()
    guestbook.broken = False
    guestbook.storage_down = True
    host = services.runtime.run_followers(["customer_list", "customer_detail"])
    host.add(guestbook, services.lease(guestbook.name))
    app = services.app
    for number in range(5):
        app.customers.create(owner, f"Kunde {number}")
    head = app.head()
    # The read models go on while the guestbook waits for its storage.
    wait_until(lambda: services.positions.position("customer_list") == head, what="list")
    wait_until(lambda: services.positions.position("customer_detail") == head, what="detail")
    assert tracked(services, "guestbook") < head

    guestbook.storage_down = False
    wait_until(lambda: tracked(services, "guestbook") == head, what="guestbook catches up")
    assert signed_names(services) == {f"Kunde {number}" for number in range(5)}
    with services.database.reading() as tx:
        assert poison_events(tx, "guestbook") == []


class CountingLog(EventLog):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.reads = 0

    def stretch(self, *args: Any, **kwargs: Any) -> Stretch:
        self.reads += 1
        return super().stretch(*args, **kwargs)


def test_every_projection_is_handed_the_same_read(services: Services, owner: Principal) -> None:
    log = CountingLog(services.app)
    host = ProjectorHost(
        services.database, log, passing=of_the_surroundings, on_advance=services.positions.advance
    )
    for projection in [*services.projections, *services.policies]:
        host.add(projection, services.lease(projection.name))
    services.app.on_recorded(host.recorded)
    host.start()
    try:
        wait_until(lambda: services.positions.lowest() == services.app.head(), what="start")
        before = log.reads
        creates = 20
        for number in range(creates):
            services.app.customers.create(owner, f"Kunde {number}")
            head = services.app.head()
            wait_until(lambda head=head: services.positions.lowest() == head, what="applied")
        # Six followers read the log six times per create (and once more to find
        # nothing); the host reads each new stretch once for all of them.
        assert log.reads - before <= creates + 2
    finally:
        host.stop()
        host.join(10)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_lost_lease_connection_is_noticed_and_the_lease_taken_again(
    services: Services, owner: Principal
) -> None:
    url = services.settings.database_url
    assert url is not None
    services.runtime.run_followers(["customer_list"])
    wait_until(
        lambda: "customer_list" in postgres_lease_holders(url, ["customer_list"]),
        what="lease taken",
    )
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name LIKE 'docintake leases%'"
        ).fetchall()
    assert killed
    wait_until(
        lambda: "customer_list" in postgres_lease_holders(url, ["customer_list"]),
        what="lease taken again",
    )
    services.app.customers.create(owner, "Nach dem Neustart")
    head = services.app.head()
    wait_until(lambda: services.positions.position("customer_list") == head, what="applied")


def test_a_rebuild_takes_over_while_the_host_follows(services: Services, owner: Principal) -> None:
    services.runtime.run_followers(["customer_list"])
    for number in range(10):
        services.app.customers.create(owner, f"Kunde {number}")
    services.read_models().rebuild("customer_list")
    services.app.customers.create(owner, "Danach")
    head = services.app.head()
    wait_until(lambda: services.positions.position("customer_list") == head, what="after rebuild")
    page = services.customer_list.search(owner.organization_id, limit=50)
    assert page.total == 11
