"""Jobs on a dramatiq broker (RabbitMQ or Redis): one actor and one queue per job kind.

The actors only carry jobs: what a job does is `application.jobs.handlers`,
handed in by the process that runs workers (`docintake worker`). Other
processes declare the same actors to send messages and never run them.

Retries are dramatiq's (`DOCINTAKE_JOB_RETRIES`, backoff from
`DOCINTAKE_JOB_BACKOFF_SECONDS` doubling to five minutes). On the last attempt
the job is told so, and a link mail that still fails is recorded as failed and
acknowledged; whatever raises on its last attempt goes to the dead-letter queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage

from application.error_text import ErrorWithoutPersonalData, error_summary
from application.jobs.kinds import Job, JobKind
from infrastructure.broker import DEFAULT_MAX_BACKOFF_MS, queue_status
from projections.database import Transaction

log = logging.getLogger(__name__)

Perform = Callable[[Job, bool], datetime | None]


class JobFailed(ErrorWithoutPersonalData):
    """A job raised: its kind and the error's summary (`application.error_text`)."""


class DramatiqJobQueue:
    """Implements `application.jobs.ports.JobQueue` with dramatiq actors on `broker`."""

    def __init__(
        self, broker: dramatiq.Broker, *, prefix: str, retries: int, backoff_ms: int
    ) -> None:
        self.broker = broker
        self.prefix = prefix
        self.retries = retries
        self._perform: Perform | None = None
        if not any(isinstance(m, CurrentMessage) for m in broker.middleware):
            broker.add_middleware(CurrentMessage())
        self.actors: dict[JobKind, dramatiq.Actor[Any, Any]] = {
            kind: dramatiq.actor(
                broker=broker,
                actor_name=kind.value,
                queue_name=self.queue_name(kind),
                max_retries=retries,
                min_backoff=backoff_ms,
                max_backoff=max(backoff_ms, DEFAULT_MAX_BACKOFF_MS),
            )(self._handler(kind))
            for kind in JobKind
        }

    def queue_name(self, kind: JobKind) -> str:
        return f"{self.prefix}.{kind.value}"

    def enqueue(
        self, job: Job, *, tx: Transaction | None = None, at: datetime | None = None
    ) -> None:
        """Send the job now (`tx` cannot hold it: the caller's commit comes after)."""
        delay_ms = None
        if at is not None:
            delay_ms = max(0, int((at - datetime.now(UTC)).total_seconds() * 1000)) or None
        self.actors[job.kind].send_with_options(args=(job.args,), delay=delay_ms)

    def serve(self, perform: Perform) -> None:
        """This process runs the jobs its worker receives with `perform`."""
        self._perform = perform

    def _handler(self, kind: JobKind) -> Callable[[dict[str, str]], None]:
        def perform_job(args: dict[str, str]) -> None:
            if self._perform is None:
                raise RuntimeError("this process sends jobs but does not run them")
            message = CurrentMessage.get_current_message()
            attempt = int(message.options.get("retries", 0)) if message is not None else 0
            job = Job(kind, dict(args))
            try:
                come_back = self._perform(job, attempt >= self.retries)
            except Exception as error:
                # dramatiq logs the traceback and keeps it in the message it retries or
                # dead-letters: only the summary goes there, never the error's words.
                raise JobFailed(f"{kind.value}: {error_summary(error)}") from None
            if come_back is not None:
                # A new message for later; this one is done.
                self.enqueue(job, at=come_back)

        perform_job.__name__ = f"perform_{kind.value}"
        return perform_job

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """Per kind: (queued, delayed, dead-lettered), as the broker counts them."""
        start = f"{self.prefix}."
        return {
            status.queue.removeprefix(start): (
                status.queued,
                status.delayed,
                status.dead_lettered,
            )
            for status in queue_status(self.broker)
            if status.queue.startswith(start)
        }
