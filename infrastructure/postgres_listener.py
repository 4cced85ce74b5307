"""LISTEN on PostgreSQL channels in a background thread and call back per notification."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


class PostgresListener:
    """Reconnects after errors; `stop()` ends the thread within about a second."""

    def __init__(
        self,
        conninfo: str,
        channels: Sequence[str],
        callback: Callable[[str, str], None],
        on_connect: Callable[[], None] | None = None,
    ) -> None:
        self.conninfo = conninfo
        self.channels = list(channels)
        self.callback = callback
        self.on_connect = on_connect
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as connection:
                    for channel in self.channels:
                        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    # Anything that happened before LISTEN took effect is picked up here.
                    if self.on_connect:
                        self.on_connect()
                    while not self._stopped.is_set():
                        # A short timeout keeps stop() quick (tests start and stop many).
                        for notify in connection.notifies(timeout=0.2):
                            self.callback(notify.channel, notify.payload)
            except psycopg.Error:
                log.warning("listening for notifications failed; reconnecting", exc_info=True)
                self._stopped.wait(1.0)
