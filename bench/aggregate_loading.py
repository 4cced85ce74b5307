"""Loading a customer with a long history, beside loading one with a short history."""

from __future__ import annotations

import statistics
import time
from uuid import UUID

from application.docintake import DocIntake


def load_seconds(app: DocIntake, customer_id: UUID, times: int) -> float:
    """Median seconds of `repository.get` (the path every command on a customer takes)."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        app.repository.get(customer_id)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
