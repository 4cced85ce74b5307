"""Creating customers over HTTP, beside raw single-row INSERT + COMMIT with as many clients."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg

from bench.load import LoadGenerator, LoadResult, Workload

RAW_TABLE = "bench_raw_insert"
CREATE_BODY = '{"name": "Writer {client}-{n}", "email": "writer{client}.{n}@example.org"}'


def prepare_raw_table(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} ("
            " id UUID PRIMARY KEY, organization_id UUID NOT NULL, name TEXT NOT NULL,"
            " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )


def raw_inserts_per_second(database_url: str, clients: int, seconds: float) -> float:
    """Rows/s of `clients` connections each doing INSERT one row + COMMIT in a loop.

    The floor of what any write path over PostgreSQL can do with this many
    writers: one round trip and one WAL flush per row, no application code.
    """
    organization_id = uuid.uuid4()
    counts = [0] * clients
    connections = [psycopg.connect(database_url) for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def writer(number: int) -> None:
        connection = connections[number]
        start.wait()
        while time.monotonic() < stop_at[0]:
            connection.execute(
                f"INSERT INTO {RAW_TABLE} (id, organization_id, name) VALUES (%s, %s, %s)",
                (uuid.uuid4(), organization_id, f"Raw {number}-{counts[number]}"),
            )
            connection.commit()
            counts[number] += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    for connection in connections:
        connection.close()
    return sum(counts) / elapsed


def creates(
    load: LoadGenerator, base_url: str, tokens: list[str], clients: int, seconds: float
) -> LoadResult:
    """`POST /api/v1/customers` from `clients` clients, each for its own organisation.

    One organisation per client because a create takes a slot on the
    organisation aggregate: writers of one organisation queue on its version
    by design (the plan cap), which is not what this figure asks about.
    """
    workload = Workload("/api/v1/customers", "POST", tokens[:clients], CREATE_BODY)
    return load.run(base_url, workload, clients, seconds)


def bare_saves(load: LoadGenerator, base_url: str, clients: int, seconds: float) -> LoadResult:
    """`POST /bench/save` with the create's body: one eventsourcing save and nothing else."""
    workload = Workload("/bench/save", "POST", (), CREATE_BODY)
    return load.run(base_url, workload, clients, seconds)
