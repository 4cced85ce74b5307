"""Read your writes: a query waits until the read models show what was recorded before it."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from threading import Lock
from uuid import UUID

from application.principal import Principal
from projections.positions import ReadModelPositions

STALE_HEADER = "X-Read-Model-Stale"
POSITION_HEADER = "X-Read-Position"


@dataclass(frozen=True)
class Client:
    """Whose writes a query must show: an API token or web session (`key`), with the head
    of the event log its request was authenticated against (`seen_head`, 0 if unknown)."""

    key: UUID
    seen_head: int = field(default=0, compare=False)


def client_of(principal: Principal) -> Client:
    """The client a principal's request comes from: its API token or web session."""
    return Client(principal.token_id or principal.user_id, principal.as_of)


class ReadYourWrites:
    """Makes a query wait for the read models to reach a position, woken when they do.

    The position is the later of the client's own last command (remembered per API
    token or web session) and the head of the event log when the query arrives. The
    head covers what others recorded, too: staff see a client's upload as soon as
    it is recorded, not merely eventually. The per-client memory is bounded; a
    forgotten client still waits for the head.
    """

    def __init__(
        self,
        positions: ReadModelPositions,
        timeout: float,
        head: Callable[[], int] | None = None,
        capacity: int = 100_000,
    ):
        self.positions = positions
        self.timeout = timeout
        self.head = head
        self.capacity = capacity
        self._last: OrderedDict[UUID, int] = OrderedDict()
        self._lock = Lock()

    def wrote(self, client: Client, position: int) -> None:
        with self._lock:
            self._last[client.key] = max(position, self._last.get(client.key, 0))
            self._last.move_to_end(client.key)
            while len(self._last) > self.capacity:
                self._last.popitem(last=False)

    def answer_after(self, client: Client, position: int, read_model: str) -> bool:
        """For a command's own answer: remember the write, wait for one read model only.

        The command's answer needs just the row it shows; the client's next query
        waits for every read model (see `wait`).
        """
        self.wrote(client, position)
        return self.positions.caught_up(position, self.timeout, names=[read_model])

    def wait(self, client: Client, at_least: int = 0) -> bool:
        """True when the read models show everything up to now; False if they are behind.

        "Now" is the head of the log the request was authenticated against, read
        moments ago in the same request; only without one is the head read again.
        """
        with self._lock:
            position = max(self._last.get(client.key, 0), at_least, client.seen_head)
        if self.head is not None and not client.seen_head:
            position = max(position, self.head())
        if position == 0:
            return True
        return self.positions.caught_up(position, self.timeout)
