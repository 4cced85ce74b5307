"""`GET /bench/constant`: the baseline of `make bench`'s search figure.

A fixed page of 20 customer summaries, encoded by the same response type as
`GET /api/v1/customers` but with no authentication, database or read-your-writes
wait: what this server costs per request before any of our work. Registered
only when `DOCINTAKE_BENCH_ROUTES` is true.
"""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import get

from interfaces.http import schemas

_CREATED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CONSTANT_PAGE = schemas.CustomerPage(
    items=[
        schemas.CustomerSummary(
            id=f"00000000-0000-4000-8000-{number:012d}",
            name=f"Anna Schmidt {number}",
            email=f"anna.schmidt{number}@example.org",
            company="Steuerkanzlei Nord" if number % 2 else None,
            status="open",
            link_count=0,
            file_count=0,
            last_upload_at=None,
            created_at=_CREATED,
        )
        for number in range(20)
    ],
    next_cursor="eyJiZW5jaCI6IHRydWV9",
    total=20,
    total_capped=False,
)


@get("/bench/constant", tags=["operations"], include_in_schema=False)
async def constant_page() -> schemas.CustomerPage:
    """A constant 20-item customer page (only with DOCINTAKE_BENCH_ROUTES=true)."""
    return CONSTANT_PAGE
