"""Who an API token or a staff session speaks for, kept between requests.

Replaying the token's (or session's) and the organisation's events on every
request cost a sixth of the server's time. Instead, what authentication needs is
kept here, by aggregate id, in a bounded cache, and dropped as soon as an event
that changes it is recorded: a revoked token, an ended session, a member who
joined, changed role or was removed, changed permission switches.

To find those events, every check first reads the head of the event log and
the log from where the cache last looked up to that head, for those topics only
(`ChangeFeed`: on PostgreSQL both in one query). So a revocation recorded by any
process (another API process too) takes effect with the next request anywhere:
the scan finds it before the cache is asked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.utils import get_topic

from domain.organization import Organization
from domain.staff_session import StaffSession
from domain.user import ApiToken

T = TypeVar("T")

#: The events after which what is kept about their aggregate may no longer hold.
CHANGING = (
    ApiToken.ApiTokenRevoked,
    StaffSession.StaffSessionEnded,
    Organization.MemberJoined,
    Organization.MemberRoleChanged,
    Organization.MemberRemoved,
    Organization.PermissionsChanged,
)
CHANGING_TOPICS = [get_topic(cls) for cls in CHANGING]
#: Invalidating events read per query while catching up.
SCAN_PAGE = 1000


class ChangeFeed(Protocol):
    def changes(self, after: int, topics: Sequence[str]) -> tuple[int, list[UUID]]:
        """The head of the event log now, and the originators of the events of `topics`
        after `after` up to that head."""


class RecorderChanges:
    """The change feed through the application's recorder: two queries (head, then the
    events), each a scan of the events after `after` at most a page at a time."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self._recorder = recorder

    def changes(self, after: int, topics: Sequence[str]) -> tuple[int, list[UUID]]:
        head = self._recorder.max_notification_id() or 0
        changed: list[UUID] = []
        while after < head:
            page = self._recorder.select_notifications(
                start=after, limit=SCAN_PAGE, stop=head, topics=topics, inclusive_of_start=False
            )
            changed += [UUID(str(n.originator_id)) for n in page]
            if len(page) < SCAN_PAGE:
                break
            after = page[-1].id
        return head, changed


class PrincipalCache:
    """A bounded map from aggregate id to what authentication keeps about it."""

    def __init__(self, feed: ChangeFeed, capacity: int = 10_000) -> None:
        self.feed = feed
        self.capacity = capacity
        self._entries: OrderedDict[UUID, Any] = OrderedDict()
        self._lock = threading.Lock()
        # How far the log has been scanned for changes (None: not yet; nothing is kept).
        self._position: int | None = None
        # Counts changes seen: a value loaded while one was seen is not kept.
        self._drops = 0

    def catch_up(self) -> int:
        """Drop whatever an event recorded up to the head of the log now has changed;
        returns that head."""
        with self._lock:
            after = self._position
        head, changed = self.feed.changes(after or 0, CHANGING_TOPICS)
        with self._lock:
            if self._position is None:
                # Nothing is kept yet: what happened before does not matter.
                self._position = head
                return head
            for aggregate_id in changed:
                self._entries.pop(aggregate_id, None)
            # Also for what is not kept (yet): a load running now may be older.
            self._drops += len(changed)
            self._position = max(self._position, head)
        return head

    def get(self, aggregate_id: UUID, load: Callable[[], T]) -> T:
        """What is kept for `aggregate_id`, or `load()` it (and keep it). Call `catch_up`
        first, within the same request."""
        with self._lock:
            if aggregate_id in self._entries:
                self._entries.move_to_end(aggregate_id)
                value: T = self._entries[aggregate_id]
                return value
            drops = self._drops
        value = load()
        with self._lock:
            # Something dropped meanwhile may be what was just loaded: keep it next time.
            if self._drops == drops:
                self._entries[aggregate_id] = value
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return value
