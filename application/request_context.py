"""The id of the request being handled, for log lines (set by the HTTP layer; threads the
request hands work to copy it, so their log lines carry it too)."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
