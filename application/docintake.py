"""The application: one event log for all aggregates, its collaborators, and the
commands grouped by context (`app.customers`, `app.links`, `app.uploads`, ...)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import MutableOrImmutableAggregate
from eventsourcing.persistence import IntegrityError, Recording

from application.accounts import Accounts
from application.api_tokens import ApiTokens
from application.branding import BrandingSettings
from application.collaborators import Collaborators
from application.customers import CustomerCommands
from application.document_templates import DocumentTemplateCommands
from application.errors import Conflict, Erased, NotFound
from application.file_cleanup import StorageSweeper
from application.files import ReceivedFiles, SentFiles
from application.history import History
from application.inbox import InboxCommands
from application.members import Members, OrganizationSettings
from application.notifications import Notifications
from application.ports import CustomerFileStores, FileStore
from application.principal import Principal
from application.principal_cache import PrincipalCache, RecorderChanges
from application.request_claims import PendingClaim, RequestAlreadyRecorded, pending_claim
from application.staff_sessions import StaffSessions
from application.upload_links import UploadLinks
from application.uploads import Uploads
from application.webhooks import WebhookCommands
from domain.branding import Branding
from domain.customer import Customer
from domain.erasure import ErasedEvent, ErasedRecord
from domain.organization import Organization
from domain.user import User

T = TypeVar("T")
A = TypeVar("A")


class DocIntake(Application[UUID]):
    """docintake's event-sourced application.

    Built with its `Collaborators` (file store, mailer, limits, indexes); nothing is
    set after construction. Commands live in one object per context, each a small
    class of plain methods over the shared helpers below (`load`, `record`,
    `retrying`, `customer_of`). Every save returns the position (notification id)
    of the last event it recorded, so the HTTP layer can wait for the read models.
    """

    name = "DocIntake"
    snapshotting_intervals: ClassVar[dict[type[MutableOrImmutableAggregate[Any]], int]] = {
        Organization: 100,
        # Every API token issued (each login) adds an event to its user.
        User: 100,
        # A long-lived customer gathers notes and status changes: load it from a snapshot.
        Customer: 100,
        # Read on every client page view and client mail; a colour tried out often adds up.
        Branding: 100,
    }
    # How often a command that lost an optimistic-concurrency race is tried again.
    conflict_attempts = 60
    # Organisations kept in memory (every create loads one; they hold ids, no personal data).
    organizations_kept = 1000

    def __init__(self, collaborators: Collaborators, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        extras = collaborators.event_store(self)
        self.file_store: FileStore = extras.file_store(collaborators.file_store)
        # What is public anyway (the organisations' logos) is stored unsealed.
        self.public_files: FileStore = collaborators.file_store
        self.mailer = collaborators.mailer
        self.max_upload_size = collaborators.max_upload_size
        # `pending` where every file waits for a virus scan, `skipped` where scanning is off.
        self.initial_scan_state = collaborators.initial_scan_state
        self.base_url = collaborators.base_url.rstrip("/")
        self._after_save: list[Callable[[int], None]] = []
        # A kept organisation is brought up to date by reading only the events recorded
        # after it (whichever process recorded them): one query, no snapshot, no replay.
        self._organizations: Repository[UUID] = Repository(
            self.events, snapshot_store=self.snapshots, cache_maxsize=self.organizations_kept
        )
        self.principals = PrincipalCache(extras.change_feed or RecorderChanges(self.recorder))

        self.accounts = Accounts(self, collaborators.attempts)
        self.api_tokens = ApiTokens(self)
        self.sessions = StaffSessions(self)
        self.organization = OrganizationSettings(self)
        self.branding = BrandingSettings(self)
        self.members = Members(self)
        self.notifications = Notifications(self)
        self.customers = CustomerCommands(self)
        self.templates = DocumentTemplateCommands(self)
        self.links = UploadLinks(self, collaborators.attempts.link_passwords)
        self.uploads = Uploads(self)
        self.files = ReceivedFiles(self)
        self.sent_files = SentFiles(self)
        self.history = History(self, collaborators.customer_parts_index, extras.customer_aggregates)
        self.storage = StorageSweeper(self)
        self.webhooks = WebhookCommands(self, collaborators.webhooks)
        self.inbox = InboxCommands(self, collaborators.inbox)

    # What every context uses ------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC)

    def customer_files(self, customer_id: UUID) -> FileStore:
        """The file store for one customer's files (sealed with the customer's key)."""
        store = self.file_store
        if isinstance(store, CustomerFileStores):
            return store.for_customer(customer_id)
        return store

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> None:
        """Snapshot as the library does, except a customer erased by then: its events read
        as skeletons, there is nothing to keep (the library would fail after the commit
        when a deletion lands on a snapshot interval)."""
        if version is None:
            last = list(self.events.get(aggregate_id, desc=True, limit=1))
        else:
            last = list(self.events.get(aggregate_id, gt=version - 1, lte=version))
        if last and isinstance(last[-1], ErasedEvent):
            return
        super().take_snapshot(aggregate_id, version, projector_func)

    def on_recorded(self, callback: Callable[[int], None]) -> None:
        """Call `callback(position)` after every save (used to wake in-process followers)."""
        self._after_save.append(callback)

    def record(self, *aggregates: MutableOrImmutableAggregate[UUID] | None) -> int:
        claim = pending_claim()
        if claim is not None:
            # The request's idempotency key is recorded with its command's first save.
            self._refuse_if_claimed(claim)
            aggregates = (*aggregates, claim.aggregate())
        try:
            recordings: list[Recording[UUID]] = self.save(*aggregates)
        except IntegrityError:
            if claim is not None:
                self._refuse_if_claimed(claim)
            raise
        if claim is not None:
            claim.recorded = True
        position = recordings[-1].notification.id if recordings else self.head()
        for callback in self._after_save:
            callback(position)
        return position

    def _refuse_if_claimed(self, claim: PendingClaim) -> None:
        try:
            self.repository.get(claim.id)
        except AggregateNotFoundError:
            return
        raise RequestAlreadyRecorded(
            "A request with this Idempotency-Key was recorded already (its answer was lost);"
            " it is not recorded again."
        )

    def head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def load(self, aggregate_id: UUID, kind: type[A]) -> A:
        repository = self._organizations if kind is Organization else self.repository
        try:
            aggregate: object = repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"No {kind.__name__.lower()} with id {aggregate_id}.") from None
        kept = repository.cache if repository is self._organizations else None
        if kept is not None and not isinstance(aggregate, Organization):
            # Keep organisations only, never what another id led to.
            kept.get(aggregate_id, evict=True)
        if isinstance(aggregate, ErasedRecord):
            raise Erased(f"No {kind.__name__.lower()} with id {aggregate_id}.")
        if not isinstance(aggregate, kind):
            raise NotFound(f"No {kind.__name__.lower()} with id {aggregate_id}.")
        return aggregate

    def customer_of(self, principal: Principal, customer_id: UUID) -> Customer:
        """The customer, if it exists, is not deleted and belongs to the caller's organisation."""
        customer = self.load(customer_id, Customer)
        if customer.organization_id != principal.organization_id or customer.deleted:
            raise NotFound(f"No customer with id {customer_id}.")
        return customer

    def retrying(self, command: Callable[[], T]) -> T:
        """Run a load-change-save command again when a concurrent save won the race.

        Only for commands that load everything they decide on inside `command`
        (the `command` wrapper of each context's methods does this).
        """
        for attempt in range(self.conflict_attempts):
            try:
                return command()
            except IntegrityError:
                # Back off with jitter so racing writers spread out.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise Conflict("Too many concurrent changes; try again.")
