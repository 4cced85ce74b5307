"""Aggregates an organisation has exactly one of (its branding, its document templates).

The id follows from the organisation's (a name-based UUID in the kind's own namespace):
found without an index, nothing of one organisation reachable from another's, and two
first saves at once conflict on the same id instead of making two.
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID, uuid5


class OnePerOrganization:
    """Mixed in before `Aggregate`; the kind sets `id_namespace`."""

    id_namespace: ClassVar[UUID]

    @classmethod
    def create_id(cls, organization_id: UUID) -> UUID:
        return uuid5(cls.id_namespace, organization_id.hex)

    @classmethod
    def id_for(cls, organization_id: UUID) -> UUID:
        """The id of the organisation's aggregate of this kind."""
        return cls.create_id(organization_id)
