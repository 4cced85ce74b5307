"""Bulk data for the benchmarks, made by the application's own aggregates and mapper.

Creating 100,000 customers over HTTP (or even one `save` per customer) would
take longer than the whole benchmark may. Here the aggregates are built in
memory exactly as the commands build them (the organisation takes a slot per
customer, notes go through `add_note`), encoded by the application's mapper,
and appended to the event store with COPY: the stored events are the ones the
service would have written, a few times faster. Only the organisation's
periodic snapshots are left out; one snapshot at the end stands in for them.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from application import accounts
from application.docintake import DocIntake
from bench.sizes import WRITERS, Sizes
from domain.customer import Customer
from domain.organization import Organization

FIRST_NAMES = [
    *("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas", "Karl"),
    *("Lea", "Lukas", "Maria", "Max", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sophie"),
    *("Tim", "Ute", "Vera", "Yusuf", "Zoe", "Ali", "Elif", "Jan", "Lina", "Omar"),
]
# 30 family names: a search for one matches about 1 customer in 30, so a full
# 20-row page exists at 1,000 customers as well as at 100,000.
LAST_NAMES = [
    *("Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"),
    *("Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"),
    *("Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange"),
    *("Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Kaya", "Nowak"),
]
COMPANIES = [
    *("Steuerkanzlei Nord", "Bau & Boden", "Praxis am Markt", "Hausverwaltung Süd"),
    *("Autohaus Ost", "Bäckerei Korn", "Logistik West", "IT Consult"),
    *("Anwaltskanzlei Mitte", "Immobilien Rhein"),
]
MAIL_DOMAINS = ("gmail.com", "web.de", "gmx.de", "example.org", "posteo.de")
SEARCH_TERM = "schmidt"
BENCH_PASSWORD = "bench-password-1234"
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Tenant:
    """An organisation on the team plan with its owner and an API token."""

    organization_id: UUID
    user_id: UUID
    token: str


@dataclass(frozen=True)
class Population:
    """Who is who in the prepared database."""

    big: Tenant  # `customers` customers, searched
    small: Tenant  # `small_customers` customers, and the two history customers
    writers: list[Tenant]  # one organisation per client of the create figures
    saves: Tenant  # the event-store save baseline writes here
    search_token: str
    small_search_token: str
    long_history_id: UUID
    short_history_id: UUID


@contextmanager
def one_password_hash() -> Iterator[None]:
    """Hash the owners' shared password once instead of once per signup.

    argon2 is slow on purpose (0.2 to 0.7 s a hash here); twenty signups would
    spend seconds on it. Every owner gets the same valid hash of the same password.
    """
    original = accounts.hash_password
    accounts.hash_password = functools.cache(original)
    try:
        yield
    finally:
        accounts.hash_password = original


def sign_up(app: DocIntake, label: str) -> Tenant:
    email = f"{label}-{uuid.uuid4().hex[:8]}@bench.example.org"
    signed = app.accounts.sign_up(f"Bench {label}", email, BENCH_PASSWORD, "team")
    return Tenant(signed.organization_id, signed.user_id, signed.token)


def another_token(app: DocIntake, tenant: Tenant, name: str) -> str:
    """A second token of the same owner: to the API a separate client."""
    return app.accounts.issue_token(
        tenant.user_id, tenant.organization_id, name, tenant.user_id
    ).token


# Addresses are taken as plain ASCII (no SMTPUTF8): "Müller" writes "mueller".
ASCII_LOCAL_PART = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def person(rng: random.Random) -> tuple[str, str | None, str | None]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}{rng.randrange(1000)}".lower().translate(ASCII_LOCAL_PART)
    email = f"{local}@{rng.choice(MAIL_DOMAINS)}"
    company = rng.choice(COMPANIES) if rng.random() < 0.6 else None
    return f"{first} {last}", email, company


class BulkAppender:
    """Appends aggregates' pending events to the application's event table with COPY.

    Only while nothing else writes the log (a fresh benchmark database): it
    skips the recorder's table lock, so notification ids follow this writer alone.
    """

    def __init__(self, app: DocIntake, database_url: str) -> None:
        self.app = app
        self.table: str = app.recorder.events_table_name  # type: ignore[attr-defined]
        self.connection = psycopg.connect(database_url)

    def append(self, aggregates: Sequence[Any]) -> int:
        events = [event for aggregate in aggregates for event in aggregate.collect_events()]
        to_stored = self.app.mapper.to_stored_event
        with (
            self.connection.cursor() as cursor,
            cursor.copy(
                f"COPY {self.table} (originator_id, originator_version, topic, state)"
                " FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["uuid", "int8", "text", "bytea"])
            stored_events = []
            for event in events:
                stored = to_stored(event)
                stored_events.append(stored)
                copy.write_row(
                    (stored.originator_id, stored.originator_version, stored.topic, stored.state)
                )
        # The customers' keys and owners, as the recorder writes them with the events.
        new_keys, owners, _ = self.app.recorder._key_changes(stored_events)  # type: ignore[attr-defined]
        fingerprint = self.app.recorder.keys.master.fingerprint  # type: ignore[attr-defined]
        with self.connection.cursor() as cursor:
            if new_keys:
                cursor.executemany(
                    "INSERT INTO customer_keys"
                    " (customer_id, wrapped_key, master_key_id, created_at)"
                    " VALUES (%s, %s, %s, now())",
                    [(c, w, fingerprint) for c, w in new_keys],
                )
            if owners:
                cursor.executemany(
                    "INSERT INTO aggregate_owners (aggregate_id, customer_id) VALUES (%s, %s)",
                    owners,
                )
        self.connection.commit()
        return len(events)

    def close(self) -> None:
        self.connection.close()


def add_customers(
    appender: BulkAppender,
    organization: Organization,
    user_id: UUID,
    count: int,
    *,
    notes_each: int = 0,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create `count` customers (each with `notes_each` notes); returns the events appended."""
    rng = random.Random(seed)
    events = 0
    done = 0
    while done < count:
        customers = []
        for _ in range(min(BATCH_SIZE, count - done)):
            name, email, company = person(rng)
            customer = Customer.create(organization.id, name, email, company, user_id)
            organization.take_customer_slot(customer.id, user_id)
            for number in range(notes_each):
                customer.add_note(f"Call {number}: documents asked for.", user_id)
            customers.append(customer)
        events += appender.append([organization, *customers])
        done += len(customers)
        if progress:
            progress(done)
    return events


def customer_with_events(
    appender: BulkAppender, organization: Organization, user_id: UUID, events: int
) -> UUID:
    """One customer whose history holds `events` events (creation, then notes)."""
    customer = Customer.create(organization.id, "Long History", None, None, user_id)
    organization.take_customer_slot(customer.id, user_id)
    for _ in range(events - 1):
        customer.add_note("Checked the folder again.", user_id)
    appender.append([organization, customer])
    return customer.id


def _snapshot(app: DocIntake, organizations: Sequence[Organization]) -> None:
    """Stands in for the snapshots a save every 100 events would have taken.

    Taken from the aggregates in hand: replaying 100,000 events would be slow.
    """
    if app.snapshots is not None:
        app.snapshots.put([Organization.Snapshot.take(o) for o in organizations])


def populate(
    app: DocIntake, database_url: str, sizes: Sizes, say: Callable[[str], None]
) -> Population:
    """The organisations the server is measured with, in a fresh database."""
    with one_password_hash():
        big, small, saves = (sign_up(app, label) for label in ("big", "small", "saves"))
        writers = [sign_up(app, f"writer{n}") for n in range(WRITERS)]
    appender = BulkAppender(app, database_url)

    def report(done: int) -> None:
        if done % 25_000 == 0:
            say(f"  {done:,} customers")

    try:
        large = app.load(big.organization_id, Organization)
        add_customers(appender, large, big.user_id, sizes.customers, progress=report)
        little = app.load(small.organization_id, Organization)
        add_customers(appender, little, small.user_id, sizes.small_customers, seed=2)
        long_id = customer_with_events(appender, little, small.user_id, sizes.long_history)
        short_id = customer_with_events(appender, little, small.user_id, sizes.short_history)
    finally:
        appender.close()
    _snapshot(app, [large, little])
    return Population(
        big=big,
        small=small,
        writers=writers,
        saves=saves,
        search_token=another_token(app, big, "bench-search"),
        small_search_token=another_token(app, small, "bench-search"),
        long_history_id=long_id,
        short_history_id=short_id,
    )


def fill_log(
    app: DocIntake, database_url: str, events: int, notes_each: int, say: Callable[[str], None]
) -> int:
    """At least `events` events in a fresh log: customers with notes; returns the head.

    Nearly every event is one the customer list applies (a creation or a note),
    so a rebuild over this log does its full work per event.
    """
    with one_password_hash():
        owner = sign_up(app, "history")
    appender = BulkAppender(app, database_url)

    def report(done: int) -> None:
        if done % 25_000 == 0:
            say(f"  {done * (2 + notes_each):,} events")

    try:
        organization = app.load(owner.organization_id, Organization)
        customers = -(-(events - app.head()) // (2 + notes_each))
        add_customers(
            appender, organization, owner.user_id, customers, notes_each=notes_each, progress=report
        )
    finally:
        appender.close()
    _snapshot(app, [organization])
    return app.head()
