"""Read your own writes: remember each client's last write and wait for it on the next read."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from uuid import UUID

from projections.positions import ReadModelPositions

STALE_HEADER = "X-Read-Model-Stale"
POSITION_HEADER = "X-Read-Position"


class ReadYourWrites:
    """Per client (API token or web session), the log position of its last command.

    Bounded, so that a flood of one-off tokens cannot grow it without limit;
    a client forgotten here simply reads without waiting.
    """

    def __init__(self, positions: ReadModelPositions, timeout: float, capacity: int = 100_000):
        self.positions = positions
        self.timeout = timeout
        self.capacity = capacity
        self._last: OrderedDict[UUID, int] = OrderedDict()
        self._lock = Lock()

    def wrote(self, client: UUID, position: int) -> None:
        with self._lock:
            self._last[client] = max(position, self._last.get(client, 0))
            self._last.move_to_end(client)
            while len(self._last) > self.capacity:
                self._last.popitem(last=False)

    def wait(self, client: UUID, at_least: int = 0) -> bool:
        """True when the read models show the client's writes; False if they are still behind."""
        with self._lock:
            position = max(self._last.get(client, 0), at_least)
        if position == 0:
            return True
        return self.positions.wait_for(position, self.timeout)
