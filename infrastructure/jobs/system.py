"""This process's part in background jobs: the queue it sends to and, where it runs jobs,
the workers and the maintenance schedule.

With `DOCINTAKE_BROKER_URL` the queue is dramatiq on RabbitMQ or Redis and only
`docintake worker` processes run jobs. Without it the queue is a table of the
read-model database and the API process runs the jobs itself (so does
`docintake worker`, if started); one process at a time, by lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import dramatiq

from application.jobs.kinds import PERIODIC_KINDS, Job, JobKind
from application.jobs.ports import JobCounts, JobQueue
from infrastructure.broker import DEFAULT_MAX_BACKOFF_MS, broker_from_url, start_worker, stop_worker
from infrastructure.database import PostgresDatabase
from infrastructure.jobs.dramatiq_queue import DramatiqJobQueue, Perform
from infrastructure.jobs.locks import FileJobLocks, PostgresJobLocks
from infrastructure.jobs.state_tables import JobStateTables
from infrastructure.jobs.table_queue import EmbeddedJobWorker, TableJobQueue
from infrastructure.settings import Settings
from projections.database import Database
from projections.lease import Lease

log = logging.getLogger(__name__)

WORKER_LEASE = "jobs_worker"
SCHEDULE_LEASE = "jobs_schedule"
#: How long an idle worker waits before looking again: on Redis the longest a new job
#: can wait for an idle worker (RabbitMQ pushes at once), and how quickly a worker
#: notices a retry that has become due and a request to stop. Four looks a second per
#: queue cost Redis little.
WORKER_POLL_MS = 250
#: A schedule standing by for its lease looks this often whether it is to stop (a process
#: that does not hold the lease must still stop at once).
STOP_CHECK_SECONDS = 0.5
#: `docintake jobs status` counts failed jobs of this long (as long as Redis keeps dead letters).
FAILED_SHOWN_FOR = timedelta(days=7)


class MaintenanceSchedule:
    """Queues the periodic jobs (expiry marking, storage sweep, due upload notices) every
    `interval` while this process holds the schedule lease: dramatiq has no scheduler, and
    a lease keeps several workers from queueing the same round."""

    def __init__(self, queue: JobQueue, lease: Lease, interval: timedelta) -> None:
        self.queue = queue
        self.lease = lease
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jobs-schedule", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            self.lease.want()
        except Exception:
            log.warning("jobs: cannot reach the schedule lease yet; trying again", exc_info=True)
        while not self._stop.is_set():
            # Waiting for the lease asks no one: the lease keeper takes it when it is free.
            if not self.lease.wait(min(self.interval.total_seconds(), STOP_CHECK_SECONDS)):
                continue
            try:
                for kind in PERIODIC_KINDS:
                    self.queue.enqueue(Job(kind))
            except Exception:
                log.warning("jobs: periodic jobs not queued; trying next round", exc_info=True)
            self._stop.wait(self.interval.total_seconds())
        self.lease.release()


class JobSystem:
    """The queue (dramatiq or table), the job locks, the jobs' state, and the workers and
    schedule once `run_workers` is called."""

    def __init__(
        self, settings: Settings, database: Database, lease: Callable[[str], Lease]
    ) -> None:
        self.settings = settings
        self.database = database
        self._lease = lease
        self.state = JobStateTables(database)
        self.locks: PostgresJobLocks | FileJobLocks = (
            PostgresJobLocks(database)
            if isinstance(database, PostgresDatabase)
            else FileJobLocks(settings.data_dir / "locks" / "jobs")
        )
        backoff_ms = max(1, round(settings.job_backoff_seconds * 1000))
        self.broker: dramatiq.Broker | None = None
        self.queue: DramatiqJobQueue | TableJobQueue
        if settings.broker_url:
            self.broker = broker_from_url(
                settings.broker_url,
                max_retries=settings.job_retries,
                min_backoff_ms=backoff_ms,
                max_backoff_ms=max(backoff_ms, DEFAULT_MAX_BACKOFF_MS),
                redelivery_ms=max(1, round(settings.job_redelivery_seconds * 1000)),
            )
            self.queue = DramatiqJobQueue(
                self.broker,
                prefix=settings.job_queue_prefix,
                retries=settings.job_retries,
                backoff_ms=backoff_ms,
            )
        else:
            self.queue = TableJobQueue(database)
        self._dramatiq_worker: dramatiq.Worker | None = None
        self._table_worker: EmbeddedJobWorker | None = None
        self._schedule: MaintenanceSchedule | None = None

    @property
    def embedded(self) -> bool:
        return self.broker is None

    def prepare(self) -> None:
        """Create the embedded queue's table (nothing to do on a broker)."""
        if isinstance(self.queue, TableJobQueue):
            self.queue.prepare()

    def run_workers(
        self, perform: Perform, threads: int = 2, poll_ms: int = WORKER_POLL_MS
    ) -> None:
        """Run jobs in `threads` threads of this process, and the maintenance schedule."""
        if isinstance(self.queue, TableJobQueue):
            self._table_worker = EmbeddedJobWorker(
                self.queue,
                perform,
                self._lease(WORKER_LEASE),
                threads=threads,
                retries=self.settings.job_retries,
                backoff=timedelta(seconds=self.settings.job_backoff_seconds),
                # PostgreSQL announces jobs queued elsewhere (NOTIFY); SQLite cannot.
                idle_poll=None if isinstance(self.database, PostgresDatabase) else poll_ms / 1000,
            )
            self._table_worker.start()
        else:
            assert self.broker is not None
            self.queue.serve(perform)
            self._dramatiq_worker = start_worker(
                self.broker, worker_threads=threads, worker_timeout_ms=poll_ms
            )
        self._schedule = MaintenanceSchedule(
            self.queue,
            self._lease(SCHEDULE_LEASE),
            timedelta(seconds=self.settings.maintenance_interval_seconds),
        )
        self._schedule.start()

    def wake(self) -> None:
        """New jobs were committed to the table: the embedded workers look at once."""
        if self._table_worker is not None:
            self._table_worker.wake()

    def policy_advanced(self) -> None:
        """The job policy committed a batch: if it queued jobs here, the workers look."""
        if isinstance(self.queue, TableJobQueue) and self.queue.queued_in_batch():
            self.wake()

    def status(self) -> list[JobCounts]:
        """Queued, delayed, failed (in the last 7 days) and dead-lettered jobs per kind."""
        counts = self.queue.counts()
        failed = self.state.failed_counts(datetime.now(UTC) - FAILED_SHOWN_FOR)
        result = []
        for kind in JobKind:
            queued, delayed, dead = counts.get(kind.value, (0, 0, 0))
            result.append(JobCounts(kind.value, queued, delayed, failed.get(kind.value, 0), dead))
        return result

    def close(self) -> None:
        if self._schedule is not None:
            self._schedule.stop()
        if self._table_worker is not None:
            self._table_worker.stop()
        if self._dramatiq_worker is not None:
            stop_worker(self._dramatiq_worker, timeout_ms=10_000)
        if self.broker is not None:
            self.broker.close()
