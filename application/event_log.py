"""The application's event log read forwards, for projections and policies."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from eventsourcing.application import Application

from projections.projector import Stretch

COUNT_PAGE = 10_000


class EventLog:
    """Reads the notification log in batches and decodes each notification."""

    def __init__(self, app: Application[Any]) -> None:
        self._recorder = app.recorder
        self._mapper = app.mapper

    def head(self) -> int:
        return self._recorder.max_notification_id() or 0

    def read(
        self, after: int, limit: int, stop: int, topics: Sequence[str]
    ) -> list[tuple[int, Any]]:
        notifications = self._recorder.select_notifications(
            start=after, limit=limit, stop=stop, topics=list(topics), inclusive_of_start=False
        )
        return [(n.id, self._mapper.to_domain_event(n)) for n in notifications]

    def stretch(
        self, after: int, limit: int, topics: Collection[str], stop: int | None = None
    ) -> Stretch:
        if stop is None:
            # Every topic, so that the stretch ends where the log ends; only the wanted
            # ones are decoded.
            notifications = self._recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
            end = notifications[-1].id if notifications else after
        else:
            notifications = self._recorder.select_notifications(
                start=after, limit=limit, stop=stop, topics=list(topics), inclusive_of_start=False
            )
            # A short read saw every notification up to `stop`, of topics not asked for too.
            end = notifications[-1].id if len(notifications) == limit else max(after, stop)
        decode = self._mapper.to_domain_event
        return Stretch(
            after=after,
            end=end,
            full=len(notifications) == limit,
            events=[(n.id, n.topic, decode(n)) for n in notifications if n.topic in topics],
        )

    def count(self, after: int, stop: int, topics: Sequence[str]) -> int:
        """Counts without decoding, a page at a time (for an operator's dry run)."""
        total = 0
        while after < stop:
            page = self._recorder.select_notifications(
                start=after,
                limit=COUNT_PAGE,
                stop=stop,
                topics=list(topics),
                inclusive_of_start=False,
            )
            if not page:
                break
            total += len(page)
            after = page[-1].id
        return total
