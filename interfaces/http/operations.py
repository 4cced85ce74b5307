"""Liveness and readiness for load balancers and operators."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency

from infrastructure.bootstrap import Services
from interfaces.http.schemas import Health


@get("/health", tags=["operations"])
async def health() -> Health:
    """200 while the process is up."""
    return Health(status="ok")


@get("/ready", tags=["operations"], sync_to_thread=True)
def ready(services: NamedDependency[Services]) -> Response[Health]:
    """200 only when the event store, the read models and file storage answer."""
    problems = services.check_ready()
    if problems:
        return Response(Health(status="unavailable", problems=problems), status_code=503)
    return Response(Health(status="ok"))
