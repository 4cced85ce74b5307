"""The composition root: settings in, a wired service out."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder

from application.collaborators import AttemptCounters, Collaborators, EventStoreExtras
from application.docintake import DocIntake
from application.event_log import EventLog
from application.file_cleanup import FileCleanupPolicy
from application.jobs.handlers import JobHandlers
from application.jobs.policy import JobPolicy
from application.jobs.ports import JobCounts, JobQueue, JobState
from application.ports import FileStore, Mailer
from application.resumable_uploads import ResumableUploads
from application.upload_links import LINK_PASSWORD_FAILURES, LINK_PASSWORD_WINDOW
from application.virus_scanning import VirusScanMode, VirusScanner, initial_scan_state
from application.webhook_delivery import WebhookDelivery
from application.webhook_log import WebhookLog
from application.webhook_policy import WebhookPolicy
from application.webhooks import WebhookParts
from infrastructure.attempt_store import DatabaseAttemptLimiter
from infrastructure.audit_log import AuditLog
from infrastructure.clamd_scanner import DEFAULT_CLAMD_URL, ClamdScanner
from infrastructure.customer_keys import CustomerErased, CustomerKeys
from infrastructure.database import PostgresDatabase, SqliteDatabase
from infrastructure.encrypted_file_store import EncryptingFileStore
from infrastructure.encryption import (
    encryption_environment,
    event_store_of,
    install_encryption,
    master_key_for,
)
from infrastructure.failures import of_the_surroundings
from infrastructure.file_store import file_store_from_settings
from infrastructure.idempotency_store import IdempotencyStore
from infrastructure.jobs.system import JobSystem
from infrastructure.json_logs import configure_logging as configure_logging  # for the CLI
from infrastructure.leases import (
    FileLeases,
    PostgresLeases,
    file_lease_holders,
    postgres_lease_holders,
)
from infrastructure.log_changes import PostgresChanges
from infrastructure.mail import mailer_from_settings
from infrastructure.master_key import MasterKey
from infrastructure.metrics import Metrics, OperationsCollector
from infrastructure.readiness import ReadinessProbe, broker_check
from infrastructure.runtime import Runtime
from infrastructure.settings import Settings
from infrastructure.tus_staging import TusStaging
from infrastructure.webhook_secrets import MasterKeySealer
from infrastructure.webhook_sender import HttpWebhookSender
from projections.activity import ActivityProjection, ActivityView
from projections.customer_detail import CustomerDetailProjection, CustomerDetailView
from projections.customer_list import CustomerListProjection, CustomerListView
from projections.customer_parts import CustomerPartsProjection, CustomerPartsView
from projections.follower import ProjectorCatchUp
from projections.inbox import InboxProjection, InboxView
from projections.lease import Lease
from projections.poison import retry_poison_event
from projections.positions import ReadModelPositions
from projections.projector import Projector
from projections.rebuild import ReadModels, UnknownReadModel
from projections.retention import RetentionProjection, RetentionView
from projections.status import ReadModelStatus, read_model_status
from projections.webhook_endpoints import WebhookEndpointsProjection, WebhookEndpointsView

log = logging.getLogger(__name__)


def event_store_environment(settings: Settings, pool_size: int = 10) -> dict[str, str]:
    """The `eventsourcing` settings that put the event store where ours say.

    `pool_size` connections are opened at start (more on demand): the API wants
    them ready; a one-off command needs few.
    """
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.data_dir / "events.sqlite"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    url = urlsplit(settings.database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.path.lstrip("/"),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "5",
    }


def read_model_database(settings: Settings) -> SqliteDatabase | PostgresDatabase:
    if settings.database_url is None:
        return SqliteDatabase(settings.data_dir / "read_models.sqlite")
    return PostgresDatabase(settings.database_url)


def all_projections() -> list[Projector]:
    """The read models, each followed by its own follower (and waited for by readers)."""
    return [
        CustomerListProjection(),
        CustomerDetailProjection(),
        ActivityProjection(),
        CustomerPartsProjection(),
        WebhookEndpointsProjection(),
        InboxProjection(),
        RetentionProjection(),
    ]


def scan_come_back_after(settings: Settings) -> timedelta:
    """How long a scan whose retries are used up waits before it tries again: the
    longest back-off of the job retries (at most five minutes)."""
    longest = settings.job_backoff_seconds * 2**settings.job_retries
    return timedelta(seconds=min(longest, 300.0))


def all_policies(
    file_store: FileStore,
    jobs: JobQueue,
    job_state: JobState,
    head: Callable[[], int],
    mailer: Mailer | None = None,
) -> list[Projector]:
    """Followers of the event log that act rather than build rows (nobody waits for them)."""
    return [
        FileCleanupPolicy(file_store, mailer),
        JobPolicy(jobs, job_state, head),
        WebhookPolicy(jobs),
    ]


class Services:
    """Everything the interfaces use, wired once per process; what runs (threads,
    leases, listeners) is started and stopped by `runtime` (infrastructure/runtime.py).

    A plain class on purpose: Litestar would try to validate a dataclass
    handed to handlers as a dependency.
    """

    def __init__(
        self,
        settings: Settings,
        app: DocIntake,
        database: SqliteDatabase | PostgresDatabase,
        projections: list[Projector],
        file_store: FileStore,
        mailer: Mailer | None = None,
    ) -> None:
        self.settings = settings
        self.app = app
        self.database = database
        self.projections = projections
        self.file_store = file_store
        self.mailer = mailer
        #: Resumable uploads (tus); set by `bootstrap`.
        self.resumable_uploads: ResumableUploads
        self.virus_scanner: VirusScanner | None = (
            ClamdScanner(settings.clamd_url or DEFAULT_CLAMD_URL)
            if settings.virus_scan_mode is VirusScanMode.REQUIRED
            else None
        )
        # One keeper holds all of this process's leases (one connection on PostgreSQL).
        self.leases: PostgresLeases | FileLeases = (
            FileLeases(settings.data_dir / "leases")
            if settings.database_url is None
            else PostgresLeases(settings.database_url)
        )
        self.jobs = JobSystem(settings, database, self.lease)
        self.policies = all_policies(file_store, self.jobs.queue, self.jobs.state, app.head, mailer)
        self.positions = ReadModelPositions(p.name for p in projections)
        self.customer_list = CustomerListView(database)
        self.customer_detail = CustomerDetailView(database)
        self.activity = ActivityView(database)
        self.retention = RetentionView(database)
        #: Idempotency keys of the JSON API and the answers given to them.
        self.idempotency = IdempotencyStore(database, settings.idempotency_takeover_seconds)
        self.metrics = Metrics(OperationsCollector(self.read_model_status, self.job_status))
        self.readiness = ReadinessProbe(
            {
                "event_store": app.head,
                "read_models": database.check,
                "file_storage": file_store.check,
                **({"broker": broker_check(settings.broker_url)} if settings.broker_url else {}),
            }
        )
        self.runtime = Runtime(self)
        self._closed = False

    def follower(self, projection: Projector, batch_size: int | None = None) -> ProjectorCatchUp:
        """A follower of one projection for one-off work (catching it up on request)."""
        return ProjectorCatchUp(
            projection,
            self.database,
            EventLog(self.app),
            batch_size=batch_size or self.settings.projection_batch_size,
            on_advance=self.advanced,
            passing=of_the_surroundings,
        )

    def advanced(self, name: str, position: int) -> None:
        """A read model or policy reached `position` (in this process or another)."""
        self.positions.advance(name, position)
        if name in (JobPolicy.name, WebhookPolicy.name):
            self.jobs.policy_advanced()

    def lease(self, name: str) -> Lease:
        """The lease on writing a read model (or on rebuilding one, or a job role)."""
        return self.leases.lease(name)

    def follower_names(self) -> list[str]:
        return [p.name for p in [*self.projections, *self.policies]]

    def prepare_read_models(self) -> None:
        # The job policy inserts into the embedded job queue: its table comes first.
        self.jobs.prepare()
        for projection in [*self.projections, *self.policies]:
            self.follower(projection).prepare()

    def job_handlers(self) -> JobHandlers:
        """What the jobs do, wired to this process's application, database and mailer."""
        if self.mailer is None:
            raise RuntimeError("no mailer configured")
        return JobHandlers(
            self.app,
            self.jobs.state,
            self.mailer,
            self.jobs.locks,
            digest_window=timedelta(seconds=self.settings.notification_digest_seconds),
            webhooks=self.webhook_delivery(),
            scanner=self.virus_scanner,
            scan_come_back_after=scan_come_back_after(self.settings),
            resumable=self.resumable_uploads,
            retention=self.retention,
        )

    def webhook_delivery(self) -> WebhookDelivery:
        """What the `deliver_webhook` job does, wired to this process's parts."""
        return WebhookDelivery(
            self.app,
            self.database,
            self.app.webhooks.webhook_sender,
            self.app.webhooks.webhook_sealer,
            self.jobs.locks,
            retry_scale=self.settings.webhooks_retry_scale,
        )

    def job_status(self) -> list[JobCounts]:
        """Queued, delayed, failed and dead-lettered jobs per kind (`docintake jobs status`)."""
        return self.jobs.status()

    def check_ready(self) -> dict[str, str]:
        """A problem per backing store that failed or did not answer within the deadline
        (`/ready` answers within a second, whatever hangs)."""
        return self.readiness.problems()

    def audit_log(self) -> AuditLog:
        """The event store as auditors and operators check it (`docintake audit|keys`)."""
        return AuditLog(self.app, self.settings)

    def read_models(self) -> ReadModels:
        """What `docintake projections rebuild|verify` work on."""
        return ReadModels(
            database=self.database,
            events=EventLog(self.app),
            projections={p.name: p for p in self.projections},
            lease=self.lease,
            passing=of_the_surroundings,
            batch_size=self.settings.projection_batch_size,
            on_advance=self.positions.advance,
        )

    def read_model_status(self) -> list[ReadModelStatus]:
        """Position, lag, lease holder and poison events of every read model and policy."""
        names = self.follower_names()
        if self.settings.database_url is None:
            holders = file_lease_holders(self.settings.data_dir / "leases", names)
        else:
            holders = postgres_lease_holders(self.settings.database_url, names)
        return read_model_status(self.database, EventLog(self.app), names, holders)

    def retry_poison(self, name: str, position: int) -> None:
        """Apply a poison event again (`docintake projections retry`); raises if it still
        fails (the error is recorded anew) or is no poison event of that projection."""
        followed = {p.name: p for p in [*self.projections, *self.policies]}
        if name not in followed:
            known = ", ".join(followed)
            raise UnknownReadModel(f"no read model or policy {name!r} (known: {known})")
        retry_poison_event(self.database, EventLog(self.app), followed[name], position)

    def close(self) -> None:
        """Stop what runs in this process, then close the stores."""
        if self._closed:
            return
        self._closed = True
        self.runtime.stop()
        self.leases.close()
        self.database.close()
        self.app.close()


def event_store_extras(
    settings: Settings,
    master: MasterKey | None,
    keys_found: list[CustomerKeys] | None = None,
) -> Callable[[Application[Any]], EventStoreExtras]:
    """What our event store adds once the application has built it: the customers' keys
    (sealing events and files), PostgreSQL's one-query change feed, and the store's own
    index of each aggregate's customer."""

    def extras(app: Application[Any]) -> EventStoreExtras:
        feed = (
            PostgresChanges(app.recorder)
            if isinstance(app.recorder, PostgresApplicationRecorder)
            else None
        )
        if master is None:
            return EventStoreExtras(change_feed=feed)
        keys = install_encryption(app, master)
        if keys_found is not None:
            keys_found.append(keys)  # the staging of resumable uploads seals with them too
        return EventStoreExtras(
            file_store=lambda store: EncryptingFileStore(store, keys),
            change_feed=feed,
            customer_aggregates=event_store_of(app),
        )

    return extras


def bootstrap(settings: Settings, *, pool_size: int = 10, encrypt: bool = True) -> Services:
    """Build the service for these settings (nothing runs until `services.runtime.start()`).

    Operators' commands pass a small `pool_size`: each open connection counts
    against the database server's limit, however briefly the command runs.
    `encrypt=False` exists for `make bench` only (the figure before encryption).
    """
    environment = event_store_environment(settings, pool_size)
    master = master_key_for(settings) if encrypt else None
    if encrypt:
        environment |= encryption_environment(settings)
    file_store = file_store_from_settings(
        settings.storage_url,
        settings.data_dir,
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_secure,
        settings.s3_region,
    )
    mailer = mailer_from_settings(settings.smtp_url, settings.data_dir, settings.mail_from)
    database = read_model_database(settings)
    keys_found: list[CustomerKeys] = []
    # Failed logins and link passwords are counted in the database: one limit for every
    # API process on it.
    window = settings.login_window_seconds
    attempts = AttemptCounters(
        logins_by_account=DatabaseAttemptLimiter(
            database, "login_account", settings.login_failures_per_account, window
        ),
        logins_by_address=DatabaseAttemptLimiter(
            database, "login_address", settings.login_failures_per_address, window
        ),
        link_passwords=DatabaseAttemptLimiter(
            database, "link_password", LINK_PASSWORD_FAILURES, LINK_PASSWORD_WINDOW
        ),
    )
    collaborators = Collaborators(
        file_store=file_store,
        mailer=mailer,
        base_url=settings.base_url,
        max_upload_size=settings.max_upload_size,
        attempts=attempts,
        customer_parts_index=CustomerPartsView(database),
        event_store=event_store_extras(settings, master, keys_found),
        initial_scan_state=initial_scan_state(settings.virus_scan_mode),
        inbox=InboxView(database),
        webhooks=WebhookParts(
            sealer=MasterKeySealer(master or master_key_for(settings)),
            sender=HttpWebhookSender(allow_private=settings.webhooks_allow_private),
            endpoints=WebhookEndpointsView(database),
            log=WebhookLog(database),
        ),
    )
    app = DocIntake(collaborators, env=environment)
    services = Services(settings, app, database, all_projections(), app.file_store, mailer=mailer)
    staging_key = staging_key_of(keys_found[0]) if keys_found else unsealed_staging_key()
    # Staged in the stored objects' format: a finished upload goes into the store as it is.
    sealed_store = app.file_store.inner if isinstance(app.file_store, EncryptingFileStore) else None
    services.resumable_uploads = ResumableUploads(
        app,
        TusStaging(settings.data_dir / "tus", staging_key, sealed_store),
        settings.max_upload_size,
    )
    return services


def staging_key_of(keys: CustomerKeys) -> Callable[[UUID], bytes]:
    """The customer's data key, for staged resumable uploads (erased: none)."""

    def key(customer_id: UUID) -> bytes:
        data_key = keys.key_for(customer_id)
        if data_key is None:
            raise CustomerErased(f"customer {customer_id} is erased")
        return data_key.key

    return key


def unsealed_staging_key() -> Callable[[UUID], bytes]:
    """`make bench`'s figure before encryption: one key of this process for everyone."""
    process_key = secrets.token_bytes(32)
    return lambda _customer_id: process_key
