"""Who is acting: a member of one organisation, with a role."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.organization import Role


@dataclass(frozen=True)
class Principal:
    user_id: UUID
    organization_id: UUID
    role: Role
    token_id: UUID | None = None
