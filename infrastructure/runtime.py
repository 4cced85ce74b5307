"""What runs in this process, started and stopped here: the projector host (read models
and policies, each written only while this process holds its lease), the PostgreSQL
listener, and (without a broker) the job workers.

The composition root (`bootstrap`) only constructs; `Services.close()` stops this first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from application.event_log import EventLog
from infrastructure.failures import of_the_surroundings
from infrastructure.jobs.system import WORKER_POLL_MS
from infrastructure.jobs.table_queue import JOBS_CHANNEL
from infrastructure.postgres_listener import PostgresListener
from projections.host import ProjectorHost
from projections.tracking import PROJECTIONS_CHANNEL, create_tracking_table, position_of

if TYPE_CHECKING:
    from infrastructure.bootstrap import Services

EVENTS_CHANNEL = "docintake_events"  # eventsourcing NOTIFYs on its events table's name
#: SQLite has no NOTIFY: the host looks for other processes' events this often.
SQLITE_POLL_SECONDS = 1.0


class Runtime:
    """The threads of one process over its `Services`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.host: ProjectorHost | None = None
        self._listeners: list[PostgresListener] = []

    def start(self) -> None:
        """Create read-model tables and, if configured, follow the event log in this process.

        Without a broker this process also runs the background jobs; with one,
        `docintake worker` processes do.
        """
        self.services.prepare_read_models()
        if self.services.settings.run_projections:
            self.run_followers()
        self.listen()
        if self.services.jobs.embedded:
            self.run_job_workers()

    def run_followers(self, names: Sequence[str] | None = None) -> ProjectorHost:
        """Follow the event log for the read models and policies (all, or `names`) in this
        process's projection host; a second call adds more to the same host.

        The host writes each only while this process holds its lease; where another
        process holds it, it stands by and takes over when that process goes away.
        """
        if self.host is None:
            self.host = ProjectorHost(
                self.services.database,
                EventLog(self.services.app),
                passing=of_the_surroundings,
                batch_size=self.services.settings.projection_batch_size,
                on_advance=self.services.advanced,
                batch_pause=self.services.settings.projection_batch_pause,
                # SQLite has no NOTIFY: what other processes record is found by looking.
                idle_poll=SQLITE_POLL_SECONDS
                if self.services.settings.database_url is None
                else None,
            )
            if self.services.settings.database_url is None:
                # SQLite has no NOTIFY: this process's own saves wake the host. On
                # PostgreSQL every save is announced by NOTIFY (to every process), which
                # is all the host needs: a second signal would cost a second read.
                self.services.app.on_recorded(self.host.recorded)
            self.listen()
            self.host.start()
        present = set(self.host.names)
        for projection in [*self.services.projections, *self.services.policies]:
            if (names is None or projection.name in names) and projection.name not in present:
                self.host.add(projection, self.services.lease(projection.name))
        return self.host

    def listen(self) -> None:
        """Across processes (PostgreSQL): wake the host when events are recorded, learn
        read-model positions, and wake the job workers when jobs are queued."""
        if self.services.settings.database_url is not None and not self._listeners:
            listener = PostgresListener(
                self.services.settings.database_url,
                [EVENTS_CHANNEL, PROJECTIONS_CHANNEL, JOBS_CHANNEL],
                self._notified,
                on_connect=self._refresh_positions,
            )
            listener.start()
            self._listeners.append(listener)

    def _notified(self, channel: str, payload: str) -> None:
        if channel == EVENTS_CHANNEL:
            if self.host is not None:
                self.host.wake()
        elif channel == PROJECTIONS_CHANNEL:
            names, _, position = payload.rpartition(":")
            if position.isdigit():
                for name in names.split(","):
                    self.services.advanced(name, int(position))
        elif channel == JOBS_CHANNEL:
            self.services.jobs.wake()

    def _refresh_positions(self) -> None:
        """What happened before LISTEN took effect (or while the listener reconnected)."""
        with self.services.database.transaction() as tx:
            create_tracking_table(tx)
            for name in self.services.positions.names:
                self.services.positions.advance(name, position_of(tx, name))
        if self.host is not None:
            self.host.wake()
        self.services.jobs.wake()

    def run_job_workers(self, threads: int = 2, poll_ms: int = WORKER_POLL_MS) -> None:
        """Run background jobs in `threads` threads of this process (and the maintenance
        schedule), until `close()`. `poll_ms`: how often idle workers on a broker look for
        jobs (the embedded queue's workers are woken instead)."""
        jobs = self.services.job_handlers()
        self.services.jobs.run_workers(
            lambda job, final: jobs.run(job, final_attempt=final),
            threads=threads,
            poll_ms=poll_ms,
        )

    def stop(self) -> None:
        """Stop the host, the job workers and the listener (waits for the host briefly)."""
        if self.host is not None:
            self.host.stop()
            self.host.join(timeout=10)
        self.services.jobs.close()
        for listener in self._listeners:
            listener.stop()
