"""`docintake ARGS` whose webhooks can reach loopback only: for tests that run the service
in a process of its own (and kill it).

Every service this process bootstraps gets the suite's loopback-only sender; a
connection asked for anywhere else is refused before it is opened and logged with
`NON-LOOPBACK`, which the test looks for in the process's output.

    python -m tests.support.guarded_docintake serve
"""

from __future__ import annotations

import sys
from typing import Any

import infrastructure.bootstrap as composition
from tests.support.webhooks import ConnectionGuard, NonLoopbackConnection, loopback_only_sender

_bootstrap = composition.bootstrap


class _ReportingGuard(ConnectionGuard):
    def connect(self, address: tuple[str, int], timeout: float) -> Any:
        try:
            return super().connect(address, timeout)
        except NonLoopbackConnection:
            print(f"NON-LOOPBACK connection asked for: {address}", file=sys.stderr, flush=True)
            raise


def guarded_bootstrap(*args: Any, **kwargs: Any) -> composition.Services:
    services = _bootstrap(*args, **kwargs)
    sender = loopback_only_sender(
        _ReportingGuard(),
        allow_private=services.settings.webhooks_allow_private,
        names={"localhost": ["127.0.0.1"]},
    )
    services.app.webhooks.use_webhook_sender(sender)
    return services


composition.bootstrap = guarded_bootstrap  # before the command line imports it

if __name__ == "__main__":
    from interfaces.cli import main

    sys.exit(main())
