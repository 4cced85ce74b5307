"""Searching the customer list over HTTP, beside a constant page served by the same server and
beside the same SQL sent straight to PostgreSQL."""

from __future__ import annotations

import threading
import time
from urllib.parse import quote
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from bench.dataset import SEARCH_TERM
from bench.load import LoadGenerator, LoadResult, Workload
from infrastructure.database import SESSION_OPTIONS
from projections.customer_list import CustomerListView

SEARCH_LIMIT = 20
SEARCH_PATH = f"/api/v1/customers?q={quote(SEARCH_TERM)}&limit={SEARCH_LIMIT}"
CONSTANT_PATH = "/bench/constant"


def searches(
    load: LoadGenerator, base_url: str, token: str, clients: int, seconds: float
) -> LoadResult:
    """`GET /api/v1/customers?q=...&limit=20`: 20 rows of a search, with the match count."""
    return load.run(base_url, Workload(SEARCH_PATH, tokens=[token]), clients, seconds)


def constant_pages(load: LoadGenerator, base_url: str, clients: int, seconds: float) -> LoadResult:
    """`GET /bench/constant`: the same response shape with none of our work behind it."""
    return load.run(base_url, Workload(CONSTANT_PATH), clients, seconds)


def sql_searches_per_second(
    database_url: str, organization_id: UUID, clients: int, seconds: float
) -> float:
    """The server's two search statements (page and capped count) for the same query, sent
    straight through psycopg by `clients` threads, one connection each: searches/s."""
    page_sql, page_params, count_sql, count_params = CustomerListView.statements(
        "postgres", organization_id, q=SEARCH_TERM, limit=SEARCH_LIMIT
    )
    counts = [0] * clients
    # Sessions like the server's own (plans made for each search's term).
    connections = [
        psycopg.connect(
            database_url, autocommit=True, row_factory=dict_row, options=SESSION_OPTIONS
        )
        for _ in range(clients)
    ]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def search(number: int) -> None:
        connection = connections[number]
        start.wait()
        while time.monotonic() < stop_at[0]:
            connection.execute(page_sql, page_params).fetchall()
            connection.execute(count_sql, count_params).fetchone()
            counts[number] += 1

    threads = [threading.Thread(target=search, args=(n,)) for n in range(clients)]
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
