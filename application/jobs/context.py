"""What every job handler works with: the application, the jobs' state, mail, locks, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from application.jobs.ports import JobLocks, JobState
from application.ports import Mailer

if TYPE_CHECKING:
    from application.docintake import DocIntake

#: When a job finds another worker on the same lock, it comes back this much later.
BUSY_RETRY = timedelta(seconds=0.5)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class JobContext:
    app: DocIntake
    state: JobState
    mailer: Mailer
    locks: JobLocks
    clock: Callable[[], datetime] = field(default=utc_now)
