"""Who is acting: a member of one organisation, with a role."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.organization import PERMISSION_DEFAULTS, Role

DEFAULT_PERMISSIONS = frozenset(name for name, on in PERMISSION_DEFAULTS.items() if on)


@dataclass(frozen=True)
class Principal:
    """The authenticated member, as of this request.

    `permissions` are the organisation's switches that are on (read from the
    organisation when the request was authenticated), so deciding what the
    principal may do needs nothing else. `token_id` is the API token or staff
    session the request came with. `as_of` is the head of the event log the
    check was made against (0 where unknown): everything recorded up to there
    was recorded before the request arrived.
    """

    user_id: UUID
    organization_id: UUID
    role: Role
    token_id: UUID | None = None
    permissions: frozenset[str] = DEFAULT_PERMISSIONS
    as_of: int = 0
