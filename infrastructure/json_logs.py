"""Log lines as JSON objects, one per line, with the request id of the request (or job)
that wrote them; third-party chatter held at WARNING.

Our own log lines name ids (customers, links, files, events), never personal data: no
token, password, name, e-mail address or file name (`tests/e2e/test_logs.py` greps the
logs of a whole run for them). Tracebacks leave every error's message out (it can quote
the data the error was about): class, code and place only. There is no access log:
public paths carry link tokens.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from application.error_text import error_trace
from application.request_context import current_request_id

#: Libraries whose INFO lines say nothing an operator needs (pika logs a dozen per
#: connection close; dramatiq each worker thread's start and stop).
QUIET_LIBRARIES = (
    "pika",
    "dramatiq",
    "eventsourcing",
    "psycopg",
    "psycopg.pool",
    "httpx",
    "httpcore",
    "minio",
    "urllib3",
    "multipart",
    "asyncio",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)

    def formatException(self, ei: Any) -> str:
        """The traceback with each error's class, code and place, not its words: an
        error's message can quote a customer's data (`application.error_text`), and
        logs outlive a customer's erasure. Libraries' tracebacks (dramatiq's) too."""
        error = ei[1] if isinstance(ei, tuple) else None
        if not isinstance(error, BaseException):
            return super().formatException(ei)
        return error_trace(error)


def configure_logging(level: str) -> None:
    """JSON lines on stderr at `level` for our own loggers, WARNING for the libraries'."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
