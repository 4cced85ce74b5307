"""The baselines of `make bench` that run inside the server under test.

`GET /bench/constant`: a fixed page of 20 customer summaries, encoded by the
same response type as `GET /api/v1/customers` but with no authentication,
database or read-your-writes wait: what this server costs per request before
any of our work.

`POST /bench/save`: a POST with the create's body that does one eventsourcing
save of one event and nothing else (no authentication, no organisation, no
read model waits for it): the floor of any command of this design.

Registered only when `DOCINTAKE_BENCH_ROUTES` is true.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from eventsourcing.domain import Aggregate, event
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from infrastructure.bootstrap import Services
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


class BenchRecord(Aggregate):
    """What the bare-save baseline records: one event with a name."""

    @event("Recorded")
    def __init__(self, name: str) -> None:
        self.name = name


@post("/bench/save", status_code=201, sync_to_thread=True, include_in_schema=False)
def bare_save(
    services: NamedDependency[Services], data: JSONBody[schemas.CreateCustomerRequest]
) -> dict[str, Any]:
    """One eventsourcing save of one event (only with DOCINTAKE_BENCH_ROUTES=true)."""
    record = BenchRecord(name=data.name)
    services.app.save(record)
    return {"id": str(record.id)}
