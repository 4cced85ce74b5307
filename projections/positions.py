"""Read your own writes: wait until the read models have reached a position."""

from __future__ import annotations

import time
from collections.abc import Iterable
from threading import Condition


class ReadModelPositions:
    """The latest committed position of each read model, known to this process.

    Followers (or a listener for followers in other processes) call `advance`;
    queries call `caught_up`, which sleeps on a condition and is woken by each
    advance, so a reader is released as soon as the rows are there.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._positions = dict.fromkeys(names, 0)
        self._changed = Condition()

    @property
    def names(self) -> list[str]:
        return list(self._positions)

    def advance(self, name: str, position: int) -> None:
        with self._changed:
            # Only read models count; policies following the log are not waited for.
            if name in self._positions and position > self._positions[name]:
                self._positions[name] = position
                self._changed.notify_all()

    def position(self, name: str) -> int:
        with self._changed:
            return self._positions.get(name, 0)

    def lowest(self) -> int:
        with self._changed:
            return min(self._positions.values(), default=0)

    def caught_up(self, position: int, timeout: float, names: Iterable[str] | None = None) -> bool:
        """True once every read model (or those named) is at `position` or later;
        False after `timeout`."""
        deadline = time.monotonic() + timeout
        watched = (
            list(self._positions) if names is None else [n for n in names if n in self._positions]
        )
        with self._changed:
            while min((self._positions[n] for n in watched), default=position) < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True
