"""A member's in-app inbox: which of the organisation's notices the member has read.

The notices themselves follow from the event log (`projections.inbox`); reading is
the member's own act, recorded here so that the inbox, like every read model, is
rebuilt from events alone.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_INBOX_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/member-inbox")


class MemberInbox(Aggregate):
    """One per member and organisation (its id derives from both)."""

    class InboxOpened(Aggregate.Created):
        organization_id: UUID
        member_id: UUID

    class NoticesRead(Aggregate.Event):
        organization_id: UUID
        member_id: UUID
        notice_ids: list[UUID]

    @staticmethod
    def create_id(organization_id: UUID, member_id: UUID) -> UUID:
        return uuid5(_INBOX_NAMESPACE, f"{organization_id}:{member_id}")

    @classmethod
    def id_for(cls, organization_id: UUID, member_id: UUID) -> UUID:
        return cls.create_id(organization_id, member_id)

    @event(InboxOpened)
    def __init__(self, organization_id: UUID, member_id: UUID) -> None:
        self.organization_id = organization_id
        self.member_id = member_id

    def read(self, notice_ids: list[UUID]) -> bool:
        if not notice_ids:
            return False
        self._read(
            organization_id=self.organization_id, member_id=self.member_id, notice_ids=notice_ids
        )
        return True

    @event(NoticesRead)
    def _read(self, organization_id: UUID, member_id: UUID, notice_ids: list[UUID]) -> None:
        pass
