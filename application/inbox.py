"""The staff inbox: a member's notices (uploads, answers to queries, failed link mails),
how many are unread, and marking them read (every role, each member for themselves)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

from application.command import Context, Recorded
from application.errors import NotFound
from application.permissions import Action, authorize
from application.principal import Principal
from domain.inbox import MemberInbox
from domain.organization import Organization
from domain.user import User
from projections.inbox import SWITCHED, Notice

if TYPE_CHECKING:
    from application.docintake import DocIntake


class InboxNotices(Protocol):
    """The organisation's notices as a member sees them (the inbox read model,
    `projections.inbox.InboxView`)."""

    def notices(
        self,
        organization_id: UUID,
        member_id: UUID,
        since: datetime,
        hidden_kinds: Collection[str],
        limit: int = 50,
    ) -> list[Notice]: ...

    def unread(
        self,
        organization_id: UUID,
        member_id: UUID,
        since: datetime,
        hidden_kinds: Collection[str],
    ) -> list[UUID]: ...


@dataclass(frozen=True)
class InboxScope:
    since: datetime
    hidden_kinds: frozenset[str]


class InboxCommands(Context):
    """Each member's inbox of notices (`app.inbox.notices`)."""

    def __init__(self, app: DocIntake, view: InboxNotices | None) -> None:
        super().__init__(app)
        self._inbox_view = view

    @property
    def inbox_view(self) -> InboxNotices:
        if self._inbox_view is None:
            raise RuntimeError("the inbox is not configured")
        return self._inbox_view

    def _inbox_scope(self, principal: Principal) -> InboxScope:
        organization = self.app.load(principal.organization_id, Organization)
        since = organization.member_since(principal.user_id)
        if since is None:
            raise NotFound("No such member.")
        user = self.app.load(principal.user_id, User)
        switches = {"uploads": user.upload_notifications}
        hidden = frozenset(kind for kind, switch in SWITCHED.items() if not switches[switch])
        return InboxScope(since, hidden)

    def notices(self, principal: Principal, limit: int = 50) -> list[Notice]:
        """The member's newest notices, read or not."""
        authorize(principal, Action.READ)
        scope = self._inbox_scope(principal)
        return self.inbox_view.notices(
            principal.organization_id, principal.user_id, scope.since, scope.hidden_kinds, limit
        )

    def unread(self, principal: Principal) -> int:
        authorize(principal, Action.READ)
        scope = self._inbox_scope(principal)
        return len(
            self.inbox_view.unread(
                principal.organization_id, principal.user_id, scope.since, scope.hidden_kinds
            )
        )

    def read(self, principal: Principal, notice_ids: list[UUID] | None) -> Recorded:
        """Mark the given notices (None: every unread one) read for the member. Ids that are
        not the member's unread notices (read already, another organisation's, unknown)
        change nothing."""
        authorize(principal, Action.READ)
        scope = self._inbox_scope(principal)
        unread = self.inbox_view.unread(
            principal.organization_id, principal.user_id, scope.since, scope.hidden_kinds
        )
        chosen = unread if notice_ids is None else [i for i in unread if i in set(notice_ids)]
        inbox_id = MemberInbox.id_for(principal.organization_id, principal.user_id)
        if not chosen:
            return Recorded(inbox_id, self.app.head())

        def attempt() -> Recorded:
            try:
                inbox = self.app.load(inbox_id, MemberInbox)
            except NotFound:
                inbox = MemberInbox(
                    organization_id=principal.organization_id, member_id=principal.user_id
                )
            inbox.read(sorted(chosen))
            return Recorded(inbox_id, self.app.record(inbox))

        return self.app.retrying(attempt)
