"""`GET /metrics` for Prometheus, closed unless `DOCINTAKE_METRICS_TOKEN` is set and sent as
`Authorization: Bearer TOKEN`; request latency per route (Litestar's Prometheus middleware,
labelled by route template, never by a path with a token in it); upload bytes and refusals."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from infrastructure.bootstrap import Services
from infrastructure.metrics import UPLOAD_BYTES, UPLOAD_REFUSALS

UPLOAD_ROUTE = "/u/{token}/files"


@get("/metrics", sync_to_thread=True, include_in_schema=False)
def metrics(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[bytes]:
    """The metrics of this process (each API process is scraped on its own)."""
    token = services.settings.metrics_token
    if token is None:
        raise NotFoundException("Not found.")
    sent = request.headers.get("authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        raise NotAuthorizedException(
            "Send the metrics token as a bearer token.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(services.metrics.exposition(), media_type=services.metrics.content_type)


def request_metrics() -> Any:
    """Latency, count and errors per route template and status (Litestar's middleware)."""
    return PrometheusConfig(
        app_name="docintake", prefix="docintake", group_path=True, exclude=["/metrics"]
    ).middleware


class UploadMetrics:
    """Counts the body bytes of recorded client uploads, and refused uploads by status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path_template") != UPLOAD_ROUTE:
            await self.app(scope, receive, send)
            return
        received = 0
        status = 0

        async def counting() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, counting, watching)
        finally:
            if 200 <= status < 300:
                UPLOAD_BYTES.inc(received)
            elif status >= 400 or status == 0:
                UPLOAD_REFUSALS.labels(str(status or "aborted")).inc()


def upload_metrics() -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        return UploadMetrics(app)

    return factory
