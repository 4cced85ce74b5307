"""What the application is built with: its adapters and deployment limits, in one value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from application.attempt_limiter import AttemptCounter, AttemptLimiter
from application.history import CustomerPartsIndex
from application.inbox import InboxNotices
from application.ports import FileStore, Mailer
from application.principal_cache import ChangeFeed
from application.upload_links import LINK_PASSWORD_FAILURES, LINK_PASSWORD_WINDOW
from application.webhooks import WebhookParts

if TYPE_CHECKING:
    from eventsourcing.application import Application


@dataclass(frozen=True)
class AttemptCounters:
    """Where failed attempts are counted: logins (API tokens and staff sessions alike) per
    account and per client address, and wrong link passwords per client address.

    The defaults count in this process; the composition root counts in the database.
    """

    logins_by_account: AttemptCounter = field(
        default_factory=lambda: AttemptLimiter(limit=10, window=900)
    )
    logins_by_address: AttemptCounter = field(
        default_factory=lambda: AttemptLimiter(limit=50, window=900)
    )
    link_passwords: AttemptCounter = field(
        default_factory=lambda: AttemptLimiter(LINK_PASSWORD_FAILURES, LINK_PASSWORD_WINDOW)
    )


@dataclass(frozen=True)
class EventStoreExtras:
    """What the infrastructure builds on the application's own event store.

    `file_store` wraps the plain file store (files sealed with the customer's key
    from the event store's key table); `change_feed` finds changed tokens and
    memberships in one query; `customer_aggregates` is the store's exact record of
    each aggregate's customer.
    """

    file_store: Callable[[FileStore], FileStore] = lambda store: store
    change_feed: ChangeFeed | None = None
    customer_aggregates: CustomerPartsIndex | None = None


def no_extras(app: Application[Any]) -> EventStoreExtras:
    return EventStoreExtras()


@dataclass(frozen=True)
class Collaborators:
    """Everything the application needs from outside, handed to its constructor.

    `event_store` is called once, while the application is built, with the
    application whose recorder and mapper now exist (encryption keys live there).
    """

    file_store: FileStore
    mailer: Mailer
    base_url: str = "http://127.0.0.1:8000"
    max_upload_size: int = 100 * 1024 * 1024
    attempts: AttemptCounters = field(default_factory=AttemptCounters)
    customer_parts_index: CustomerPartsIndex | None = None
    event_store: Callable[[Application[Any]], EventStoreExtras] = no_extras
    webhooks: WebhookParts | None = None
    inbox: InboxNotices | None = None
    #: What a new file's virus scan state starts as (`pending` where clamd scans).
    initial_scan_state: str = "skipped"
