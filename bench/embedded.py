"""Embedded mode (SQLite): creating and searching customers beside raw SQLite doing the same.

The server runs with no `DOCINTAKE_DATABASE_URL`: event store and read models in
SQLite files under its data folder. Its baselines are SQLite itself: single-row
INSERT + COMMIT in a file of the same disk with the event store's journal mode,
and the search's own two statements (page and capped count) sent straight through
`sqlite3` to the server's read-model file by as many threads as the load has clients.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import infrastructure.database  # noqa: F401 - registers sqlite3's UUID and datetime adapters
from application.docintake import DocIntake
from bench.dataset import BATCH_SIZE, SEARCH_TERM, Tenant, one_password_hash, person, sign_up
from domain.customer import Customer
from projections.customer_list import CustomerListView

SEARCH_LIMIT = 20


def populate(app: DocIntake, customers: int, say: Callable[[str], None]) -> Tenant:
    """An organisation with `customers` customers, saved a thousand at a time.

    The organisation's slots are not taken (the team plan has no cap): the
    customers are what the list and its search are measured on.
    """
    with one_password_hash():
        tenant = sign_up(app, "embedded")
    rng = random.Random(3)
    done = 0
    while done < customers:
        batch = []
        for _ in range(min(BATCH_SIZE, customers - done)):
            name, email, company = person(rng)
            batch.append(
                Customer.create(tenant.organization_id, name, email, company, tenant.user_id)
            )
        app.save(*batch)
        done += len(batch)
        if done % 25_000 == 0:
            say(f"  {done:,} customers")
    return tenant


def raw_inserts_per_second(folder: Path, seconds: float) -> float:
    """Rows/s of one connection doing INSERT one row + COMMIT, in WAL mode as the event store."""
    path = folder / f"raw-{uuid.uuid4().hex[:8]}.sqlite"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE raw_insert (id TEXT PRIMARY KEY, organization_id TEXT NOT NULL,"
            " name TEXT NOT NULL)"
        )
        organization_id = str(uuid.uuid4())
        count = 0
        started = time.monotonic()
        stop_at = started + seconds
        while time.monotonic() < stop_at:
            connection.execute("BEGIN")
            connection.execute(
                "INSERT INTO raw_insert VALUES (?, ?, ?)",
                (str(uuid.uuid4()), organization_id, f"Raw {count}"),
            )
            connection.execute("COMMIT")
            count += 1
        return count / (time.monotonic() - started)
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def sql_searches_per_second(
    read_models: Path, organization_id: UUID, clients: int, seconds: float
) -> float:
    """The server's two search statements through `sqlite3`, by `clients` threads."""
    page_sql, page_params, count_sql, count_params = CustomerListView.statements(
        "sqlite", organization_id, q=SEARCH_TERM, limit=SEARCH_LIMIT
    )
    page_sql, count_sql = page_sql.replace("%s", "?"), count_sql.replace("%s", "?")
    counts = [0] * clients
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def search(number: int) -> None:
        connection = sqlite3.connect(read_models, check_same_thread=False)
        try:
            start.wait()
            while time.monotonic() < stop_at[0]:
                connection.execute(page_sql, page_params).fetchall()
                connection.execute(count_sql, count_params).fetchone()
                counts[number] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=search, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - began)
