"""Read your writes: a query waits until the read models show what was recorded before it.

`ReadYourWrites` remembers each client's last write and waits for the read models;
`Reads` applies it to one request of the JSON API, and is the one place that sets the
headers of read-your-writes (`X-Read-Position`, `X-Read-Model-Stale`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from threading import Lock
from typing import Protocol, TypeVar
from uuid import UUID

from litestar import Response

from application.principal import Principal
from projections.positions import ReadModelPositions

STALE_HEADER = "X-Read-Model-Stale"
POSITION_HEADER = "X-Read-Position"

T = TypeVar("T")


class Positioned(Protocol):
    """What a command answers: at least the log position of what it recorded."""

    @property
    def position(self) -> int: ...


#: A command's answer (a `Recorded`: its id and position).
Written = Positioned


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

    def caught_up_now(self, read_model: str) -> bool:
        """For a reader without a session (a client on a link): wait until the one read
        model shows everything recorded up to now; False if it lags."""
        position = self.head() if self.head is not None else 0
        return self.positions.caught_up(position, self.timeout, names=[read_model])


class Reads:
    """Read your writes for one request of the JSON API (the dependency `reads`).

    - A query (GET) has waited, by the time its handler gets this, until the read models
      show the client's own writes and the head of the log (`ReadYourWrites.wait`).
    - A command answers through `recorded`: the client's next query waits for what it
      recorded, and the answer names its position (`X-Read-Position`).
    - An answer read from one read model after a command waits for that one only
      (`caught_up`).
    Whatever was answered from read models that lag behind is marked
    `X-Read-Model-Stale: true`.
    """

    def __init__(self, consistency: ReadYourWrites, principal: Principal) -> None:
        self._consistency = consistency
        self._client = client_of(principal)
        self._position: int | None = None
        self.fresh = True

    def wait(self) -> bool:
        """Wait for the read models to show everything up to now; False if they lag."""
        self.fresh = self._consistency.wait(self._client) and self.fresh
        return self.fresh

    def wrote(self, written: Written) -> int:
        """Remember the client's write: its next query waits for it."""
        position = written.position
        self._consistency.wrote(self._client, position)
        self._position = position
        return position

    def caught_up(self, written: Written, read_model: str) -> bool:
        """Remember the write and wait for the one read model the answer is read from."""
        self._position = written.position
        fresh = self._consistency.answer_after(self._client, self._position, read_model)
        self.fresh = fresh and self.fresh
        return fresh

    def behind(self) -> None:
        """The answer could not be read from the read models: mark it stale."""
        self.fresh = False

    def answer(
        self, body: T, status_code: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response[T]:
        """The answer with the headers of read-your-writes."""
        all_headers = dict(headers or {})
        if not self.fresh:
            all_headers[STALE_HEADER] = "true"
        if self._position is not None:
            all_headers[POSITION_HEADER] = str(self._position)
        return Response(body, status_code=status_code, headers=all_headers)

    def recorded(self, written: Written, body: T, status_code: int = 200) -> Response[T]:
        """A command's answer: the write remembered, its position named."""
        self.wrote(written)
        return self.answer(body, status_code)
