"""A staff member's signed-in browser session (the web pages' counterpart of an API token)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_SESSION_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/staff-session")

SESSION_LIFETIME = timedelta(hours=12)


class StaffSession(Aggregate):
    """Addressed by a hash of the session token in the cookie; the token itself is never
    stored. Whether it still speaks for someone is decided on every request against the
    organisation (membership) and this session (ended, expired)."""

    class StaffSessionStarted(Aggregate.Created):
        token_hash: str
        user_id: UUID
        organization_id: UUID
        expires_at: datetime
        actor_id: UUID

    class StaffSessionEnded(Aggregate.Event):
        actor_id: UUID

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(_SESSION_NAMESPACE, token_hash)

    @classmethod
    def id_for(cls, token_hash: str) -> UUID:
        return cls.create_id(token_hash)

    @event(StaffSessionStarted)
    def __init__(
        self,
        token_hash: str,
        user_id: UUID,
        organization_id: UUID,
        expires_at: datetime,
        actor_id: UUID,
    ) -> None:
        self.user_id = user_id
        self.organization_id = organization_id
        self.expires_at = expires_at
        self.ended = False

    def is_live(self, now: datetime) -> bool:
        return not self.ended and now < self.expires_at

    def end(self, actor_id: UUID) -> bool:
        if self.ended:
            return False
        self._ended(actor_id=actor_id)
        return True

    @event(StaffSessionEnded)
    def _ended(self, actor_id: UUID) -> None:
        self.ended = True
