"""An invitation to join an organisation's team, sent by e-mail with a single-use token."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

_INVITATION_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/invitation")

INVITATION_VALIDITY = timedelta(days=7)


class InvitationUsed(DomainError):
    code = "invitation_used"


class InvitationExpired(DomainError):
    code = "invitation_expired"


class InvitationWithdrawn(DomainError):
    code = "invitation_withdrawn"


class Invitation(Aggregate):
    """Addressed by a hash of its token, like an API token: the token itself is never stored,
    and whoever holds it can find the invitation without knowing the organisation."""

    class InvitationIssued(Aggregate.Created):
        token_hash: str
        organization_id: UUID
        email: str
        role: str
        expires_at: datetime
        actor_id: UUID

    class InvitationAccepted(Aggregate.Event):
        user_id: UUID
        actor_id: UUID

    class InvitationWithdrawn(Aggregate.Event):
        """Taken back by the team (or replaced by a new one when sent again)."""

        actor_id: UUID

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(_INVITATION_NAMESPACE, token_hash)

    @classmethod
    def id_for(cls, token_hash: str) -> UUID:
        return cls.create_id(token_hash)

    @event(InvitationIssued)
    def __init__(
        self,
        token_hash: str,
        organization_id: UUID,
        email: str,
        role: str,
        expires_at: datetime,
        actor_id: UUID,
    ) -> None:
        self.organization_id = organization_id
        self.email = email
        self.role = role
        self.expires_at = expires_at
        self.accepted_by: UUID | None = None
        self.withdrawn = False

    def check_usable(self, now: datetime) -> None:
        """Raise unless the invitation may still be accepted at `now`."""
        if self.accepted_by is not None:
            raise InvitationUsed("This invitation has been used already.")
        if self.withdrawn:
            raise InvitationWithdrawn("This invitation has been withdrawn.")
        if now >= self.expires_at:
            raise InvitationExpired("This invitation has expired; ask for a new one.")

    def accept(self, user_id: UUID, now: datetime) -> None:
        self.check_usable(now)
        self._accepted(user_id=user_id, actor_id=user_id)

    @event(InvitationAccepted)
    def _accepted(self, user_id: UUID, actor_id: UUID) -> None:
        self.accepted_by = user_id

    def withdraw(self, actor_id: UUID) -> bool:
        """Take the invitation back; an accepted or withdrawn one stays as it is."""
        if self.accepted_by is not None or self.withdrawn:
            return False
        self._withdrawn(actor_id=actor_id)
        return True

    @event(InvitationWithdrawn)
    def _withdrawn(self, actor_id: UUID) -> None:
        self.withdrawn = True
