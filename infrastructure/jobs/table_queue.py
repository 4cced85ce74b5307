"""The embedded job queue: jobs as rows of the read-model database, run by threads here.

Used when no `DOCINTAKE_BROKER_URL` is set. The job policy inserts its jobs in
the same transaction that moves its position, so a job is queued exactly once
and survives any restart; a row leaves the table only after its job has run
(or is kept as `dead` after its last retry). One process at a time runs the
jobs: the one holding the `jobs_worker` lease, which first puts back what a dead
holder left `running`.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from application.error_text import error_summary
from application.jobs.kinds import Job, JobKind
from projections.database import Database, Transaction
from projections.lease import Lease
from projections.rows import as_datetime

log = logging.getLogger(__name__)

QUEUE_TABLE = "job_queue"
#: A job queued outside the job policy's batches (a periodic one, a retry handed to
#: another process) is announced here, so that idle workers need not poll.
JOBS_CHANNEL = "docintake_jobs"
#: The longest wait between retries (the first waits `backoff`, then it doubles).
MAX_BACKOFF = timedelta(minutes=5)

#: Runs a job: (job, final attempt?) -> when to run it again, or None when finished.
Perform = Callable[[Job, bool], datetime | None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class QueuedJob:
    id: str
    job: Job
    attempts: int


class TableJobQueue:
    """Jobs waiting in the `job_queue` table; implements `application.jobs.ports.JobQueue`."""

    def __init__(self, database: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self.database = database
        self.clock = clock
        self.on_enqueued: Callable[[], None] | None = None
        self._queued_in_batch = False

    def prepare(self) -> None:
        with self.database.transaction() as tx:
            time = "TIMESTAMPTZ" if tx.dialect == "postgres" else "TEXT"
            tx.execute(
                f"CREATE TABLE IF NOT EXISTS {QUEUE_TABLE} ("
                " id TEXT PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL,"
                f" state TEXT NOT NULL, run_at {time} NOT NULL, attempts INTEGER NOT NULL,"
                f" last_error TEXT, created_at {time} NOT NULL)"
            )
            tx.execute(
                f"CREATE INDEX IF NOT EXISTS {QUEUE_TABLE}_due_idx ON {QUEUE_TABLE} (state, run_at)"
            )

    def enqueue(
        self, job: Job, *, tx: Transaction | None = None, at: datetime | None = None
    ) -> None:
        """Insert the job in `tx` (it is queued when that commits), or on its own."""
        now = self.clock()
        row = (uuid4().hex, job.kind.value, json.dumps(job.args), at or now, now)
        insert = (
            f"INSERT INTO {QUEUE_TABLE} (id, kind, args, state, run_at, attempts, created_at)"
            " VALUES (%s, %s, %s, 'queued', %s, 0, %s)"
        )
        if tx is not None:
            tx.execute(insert, row)
            # Told when the batch commits: other processes by NOTIFY, this one by the
            # job policy's position moving (`queued_in_batch`).
            tx.notify(JOBS_CHANNEL, job.kind.value)
            self._queued_in_batch = True
            return
        with self.database.transaction() as own:
            own.execute(insert, row)
            own.notify(JOBS_CHANNEL, job.kind.value)
        if self.on_enqueued:
            self.on_enqueued()

    def queued_in_batch(self) -> bool:
        """Whether a job was queued in a batch since last asked (then the workers look)."""
        queued, self._queued_in_batch = self._queued_in_batch, False
        return queued

    def claim(self) -> QueuedJob | None:
        """The next due job, marked `running`; None when nothing is due."""
        with self.database.transaction() as tx:
            row = tx.fetchone(
                f"SELECT id, kind, args, attempts FROM {QUEUE_TABLE}"
                " WHERE state = 'queued' AND run_at <= %s ORDER BY run_at LIMIT 1",
                (self.clock(),),
            )
            if row is None:
                return None
            # Another thread may have taken it between the read and this write.
            taken = tx.execute(
                f"UPDATE {QUEUE_TABLE} SET state = 'running' WHERE id = %s AND state = 'queued'",
                (row["id"],),
            )
        if taken != 1:
            return self.claim()
        job = Job(JobKind(row["kind"]), dict(json.loads(row["args"])))
        return QueuedJob(str(row["id"]), job, int(row["attempts"]))

    def next_due(self) -> datetime | None:
        with self.database.reading() as tx:
            row = tx.fetchone(
                f"SELECT MIN(run_at) AS due FROM {QUEUE_TABLE} WHERE state = 'queued'"
            )
        return as_datetime(row["due"]) if row else None

    def finish(self, queued: QueuedJob) -> None:
        with self.database.transaction() as tx:
            tx.execute(f"DELETE FROM {QUEUE_TABLE} WHERE id = %s", (queued.id,))

    def run_again(self, queued: QueuedJob, at: datetime, error: str | None = None) -> None:
        """Back to `queued` for `at`: a retry (with `error`) or a job that asked to come back."""
        attempts = queued.attempts + 1 if error is not None else 0
        with self.database.transaction() as tx:
            tx.execute(
                f"UPDATE {QUEUE_TABLE} SET state = 'queued', run_at = %s, attempts = %s,"
                " last_error = %s WHERE id = %s",
                (at, attempts, error, queued.id),
            )

    def bury(self, queued: QueuedJob, error: str) -> None:
        """Keep a job that failed its last retry as `dead` (the dead letters of this queue)."""
        with self.database.transaction() as tx:
            tx.execute(
                f"UPDATE {QUEUE_TABLE} SET state = 'dead', last_error = %s WHERE id = %s",
                (error, queued.id),
            )

    def requeue_running(self) -> int:
        """Put back what a previous holder of the worker lease left `running` (it died)."""
        with self.database.transaction() as tx:
            return tx.execute(f"UPDATE {QUEUE_TABLE} SET state = 'queued' WHERE state = 'running'")

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """Per kind: (queued or running, delayed, dead)."""
        with self.database.reading() as tx:
            rows = tx.fetchall(
                "SELECT kind, state, due, COUNT(*) AS n FROM"
                f" (SELECT kind, state, run_at <= %s AS due FROM {QUEUE_TABLE}) AS jobs"
                " GROUP BY kind, state, due",
                (self.clock(),),
            )
        counts: dict[str, list[int]] = {}
        for row in rows:
            entry = counts.setdefault(str(row["kind"]), [0, 0, 0])
            if row["state"] == "dead":
                entry[2] += int(row["n"])
            elif row["state"] == "running" or row["due"]:
                entry[0] += int(row["n"])
            else:
                entry[1] += int(row["n"])
        return {kind: (q, d, x) for kind, (q, d, x) in counts.items()}


class EmbeddedJobWorker:
    """Threads that run the table's jobs while this process holds the worker lease.

    A failing job is retried after `backoff`, doubling up to five minutes, with
    jitter; after `retries` retries it is buried as `dead`.
    """

    def __init__(
        self,
        queue: TableJobQueue,
        perform: Perform,
        lease: Lease,
        *,
        threads: int = 2,
        retries: int = 8,
        backoff: timedelta = timedelta(seconds=1),
        idle_poll: float | None = None,
    ) -> None:
        self.queue = queue
        self.perform = perform
        self.lease = lease
        self.thread_count = threads
        self.retries = retries
        self.backoff = backoff
        # None: idle workers wait until woken (a job committed here, or announced by
        # another process) or until the next delayed job is due, asking nothing meanwhile.
        self.idle_poll = idle_poll
        self._stop = threading.Event()
        self._holding = threading.Event()
        self._changed = threading.Condition()
        self._generation = 0
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.queue.on_enqueued = self.wake
        supervisor = threading.Thread(target=self._supervise, name="jobs-lease", daemon=True)
        self._threads.append(supervisor)
        for number in range(self.thread_count):
            self._threads.append(
                threading.Thread(target=self._work, name=f"jobs-{number}", daemon=True)
            )
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the jobs in hand (a job cut off here runs again at the next start)."""
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def _supervise(self) -> None:
        try:
            self.lease.want(on_change=self.wake)
        except Exception:
            log.warning("jobs: cannot reach the worker lease yet; trying again", exc_info=True)
        while not self._stop.is_set():
            if not self.lease.wait(0.5):
                continue
            try:
                requeued = self.queue.requeue_running()
                if requeued:
                    log.info(
                        "jobs: %d jobs left running by a stopped worker queued again", requeued
                    )
                self._holding.set()
                self.wake()
                while not self._stop.is_set() and self.lease.held():
                    self._stop.wait(0.5)
            except Exception:
                log.exception("jobs: could not take over the queue")
                self._stop.wait(1.0)
            finally:
                self._holding.clear()
        self.lease.release()

    def _work(self) -> None:
        while not self._stop.is_set():
            if not self._holding.wait(0.5):
                continue
            with self._changed:
                generation = self._generation
            try:
                queued = self.queue.claim()
            except Exception:
                log.warning("jobs: cannot read the job queue; retrying", exc_info=True)
                self._stop.wait(1.0)
                continue
            if queued is not None:
                try:
                    self._run(queued)
                except Exception:
                    # The row stays `running` and is queued again at the next lease.
                    log.exception("jobs: could not record how job %s went", queued.job.key)
                    self._stop.wait(1.0)
                continue
            self._idle(generation)

    def _idle(self, generation: int) -> None:
        wait = self.idle_poll
        try:
            due = self.queue.next_due()
        except Exception:
            due = None
            wait = 1.0
        if due is not None:
            until_due = max(0.0, (due - self.queue.clock()).total_seconds())
            wait = until_due if wait is None else min(wait, until_due)
        with self._changed:
            if self._generation == generation and not self._stop.is_set():
                self._changed.wait(wait)

    def _run(self, queued: QueuedJob) -> None:
        final = queued.attempts >= self.retries
        try:
            come_back = self.perform(queued.job, final)
        except Exception as error:
            reason = error_summary(error)  # kept with the job and logged: names no one
            if final:
                log.error("job %s failed its last attempt: %s", queued.job.key, reason)
                self.queue.bury(queued, reason)
                return
            delay = min(self.backoff * 2**queued.attempts, MAX_BACKOFF) * random.uniform(0.5, 1.0)
            log.warning("job %s failed (%s); retrying in %s", queued.job.key, reason, delay)
            self.queue.run_again(queued, self.queue.clock() + delay, reason)
            return
        if come_back is None:
            self.queue.finish(queued)
        else:
            self.queue.run_again(queued, come_back)
