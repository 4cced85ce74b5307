"""Searching the customer list over HTTP, beside a constant page served by the same server."""

from __future__ import annotations

from urllib.parse import quote

from bench.dataset import SEARCH_TERM
from bench.load import LoadGenerator, LoadResult, Workload

SEARCH_PATH = f"/api/v1/customers?q={quote(SEARCH_TERM)}&limit=20"
CONSTANT_PATH = "/bench/constant"


def searches(
    load: LoadGenerator, base_url: str, token: str, clients: int, seconds: float
) -> LoadResult:
    """`GET /api/v1/customers?q=...&limit=20`: 20 rows of a search, with the match count."""
    return load.run(base_url, Workload(SEARCH_PATH, tokens=[token]), clients, seconds)


def constant_pages(load: LoadGenerator, base_url: str, clients: int, seconds: float) -> LoadResult:
    """`GET /bench/constant`: the same response shape with none of our work behind it."""
    return load.run(base_url, Workload(CONSTANT_PATH), clients, seconds)
