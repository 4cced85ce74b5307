"""The composition root: settings in, a wired service out."""

from __future__ import annotations

import logging
import threading
from urllib.parse import unquote, urlsplit

from application.docintake import DocIntake
from application.event_log import EventLog
from infrastructure.database import PostgresDatabase, SqliteDatabase
from infrastructure.postgres_listener import PostgresListener
from infrastructure.settings import Settings
from projections.customer_list import CustomerListProjection, CustomerListView
from projections.follower import PROJECTIONS_CHANNEL, ProjectionFollower
from projections.positions import ReadModelPositions
from projections.projection import Projection
from projections.tracking import create_tracking_table, position_of

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "docintake_events"  # eventsourcing NOTIFYs on its events table's name


def event_store_environment(settings: Settings) -> dict[str, str]:
    """The `eventsourcing` settings that put the event store where ours say."""
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
        "POSTGRES_POOL_SIZE": "10",
        "POSTGRES_MAX_OVERFLOW": "10",
    }


def read_model_database(settings: Settings) -> SqliteDatabase | PostgresDatabase:
    if settings.database_url is None:
        return SqliteDatabase(settings.data_dir / "read_models.sqlite")
    return PostgresDatabase(settings.database_url)


def all_projections() -> list[Projection]:
    return [CustomerListProjection()]


class Services:
    """Everything the interfaces use, wired once per process.

    A plain class on purpose: Litestar would try to validate a dataclass
    handed to handlers as a dependency.
    """

    def __init__(
        self,
        settings: Settings,
        app: DocIntake,
        database: SqliteDatabase | PostgresDatabase,
        projections: list[Projection],
    ) -> None:
        self.settings = settings
        self.app = app
        self.database = database
        self.projections = projections
        self.positions = ReadModelPositions(p.name for p in projections)
        self.customer_list = CustomerListView(database)
        self.followers: list[ProjectionFollower] = []
        self._threads: list[threading.Thread] = []
        self._listeners: list[PostgresListener] = []
        self._closed = False

    def follower(self, projection: Projection, batch_size: int = 1000) -> ProjectionFollower:
        return ProjectionFollower(
            projection,
            self.database,
            EventLog(self.app),
            batch_size=batch_size,
            on_advance=self.positions.advance,
        )

    def prepare_read_models(self) -> None:
        for projection in self.projections:
            self.follower(projection).prepare()

    def start(self) -> None:
        """Create read-model tables and, if configured, follow the event log in threads."""
        self.prepare_read_models()
        if self.settings.run_projections:
            self.followers = [self.follower(p) for p in self.projections]
            for follower in self.followers:
                thread = threading.Thread(
                    target=follower.run, name=f"follow-{follower.projection.name}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            self.app.on_recorded(lambda _position: self._wake_followers())
        if self.settings.database_url is not None:
            channels = [EVENTS_CHANNEL] if self.settings.run_projections else []
            channels.append(PROJECTIONS_CHANNEL)
            listener = PostgresListener(
                self.settings.database_url,
                channels,
                self._notified,
                on_connect=self._refresh_positions,
            )
            listener.start()
            self._listeners.append(listener)

    def _wake_followers(self) -> None:
        for follower in self.followers:
            follower.wake()

    def _notified(self, channel: str, payload: str) -> None:
        if channel == EVENTS_CHANNEL:
            self._wake_followers()
        elif channel == PROJECTIONS_CHANNEL:
            name, _, position = payload.rpartition(":")
            if position.isdigit():
                self.positions.advance(name, int(position))

    def _refresh_positions(self) -> None:
        with self.database.transaction() as tx:
            create_tracking_table(tx)
            for name in self.positions.names:
                self.positions.advance(name, position_of(tx, name))
        self._wake_followers()

    def check_ready(self) -> dict[str, str]:
        """Ask each backing store; returns a problem per store that did not answer."""
        problems: dict[str, str] = {}
        try:
            self.app.head()
        except Exception as error:
            problems["event_store"] = type(error).__name__
        try:
            self.database.check()
        except Exception as error:
            problems["read_models"] = type(error).__name__
        return problems

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for follower in self.followers:
            follower.stop()
        for thread in self._threads:
            thread.join(timeout=10)
        for listener in self._listeners:
            listener.stop()
        self.database.close()
        self.app.close()


def bootstrap(settings: Settings) -> Services:
    """Build the service for these settings (nothing runs until `start()`)."""
    app = DocIntake(env=event_store_environment(settings))
    return Services(settings, app, read_model_database(settings), all_projections())
