"""The HTTP server (uvicorn) as we run it: bounded in time against slow and silent
clients, and believing forwarded headers only from the proxies named in the settings.

- A connection must deliver a request's complete headers within
  `DOCINTAKE_HEADER_TIMEOUT_SECONDS` of opening (or of the request's first byte on a
  kept-alive connection); uvicorn itself has no such limit for a connection's first request.
- An idle kept-alive connection is closed after `DOCINTAKE_KEEP_ALIVE_SECONDS`.
- A body that sends nothing for `DOCINTAKE_BODY_IDLE_SECONDS` is aborted
  (`interfaces.http.slow_clients`).
- `X-Forwarded-For`/`-Proto` count only from `DOCINTAKE_TRUSTED_PROXIES` (default: from
  nobody, not even loopback, where uvicorn's own default would trust them).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from litestar import Litestar
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from infrastructure.settings import Settings


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose headers take too long."""

    header_timeout: float = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)


def server_config(app: Litestar, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """uvicorn's configuration for `app`: the one `docintake serve` and the tests use."""
    protocol = type(
        "ConfiguredHeaderTimeoutProtocol",
        (HeaderTimeoutProtocol,),
        {"header_timeout": settings.header_timeout_seconds},
    )
    trusted = settings.trusted_proxies
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        # No access log: public paths carry upload-link tokens, which must never be logged.
        access_log=False,
        log_config=None,  # our logging (infrastructure.logging) is set up by the process
        proxy_headers=trusted is not None,
        forwarded_allow_ips=trusted or "",
        timeout_keep_alive=settings.keep_alive_seconds,
        server_header=False,
    )
