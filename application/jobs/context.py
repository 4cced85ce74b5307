"""What every job handler works with: the application, the jobs' state, mail, locks, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.jobs.kinds import JobKind
from application.jobs.ports import JobLocks, JobState
from application.ports import Mailer
from domain.erasure import ErasedEvent

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

    def event_at(self, aggregate_id: UUID, version: int, *kinds: type) -> Any | None:
        """The event a job was made for, of one of `kinds`; None when its customer was
        erased (the event decodes to a skeleton: nothing to send, no one to tell)."""
        events = list(self.app.events.get(aggregate_id, gt=version - 1, lte=version))
        if len(events) == 1 and isinstance(events[0], ErasedEvent):
            return None
        if len(events) != 1 or not isinstance(events[0], kinds):
            raise LookupError(f"no {kinds[0].__name__} at version {version} of {aggregate_id}")
        return events[0]

    def deliver_once(
        self, key: str, kind: JobKind, deliver: Callable[[], tuple[str, str | None]]
    ) -> str | None:
        """Run `deliver` unless an earlier delivery of `key` recorded its outcome, under
        the job's lock; the recorded outcome, or None while another worker holds the lock."""
        with self.locks.exclusive(key) as held:
            if not held:
                return None
            if self.state.outcome(key) is None:
                outcome, detail = deliver()
                self.state.record_outcome(key, kind, outcome, self.clock(), detail)
        recorded = self.state.outcome(key)
        return recorded.outcome if recorded else None
