"""The organisation: its plan, its members, and how many customers it holds."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import PlanLimitReached
from domain.values import Plan


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Organization(Aggregate):
    """An organisation of professionals.

    It counts its customers so that the plan's cap holds under concurrent
    creates: every create takes a slot here, and two creates racing for the
    last slot conflict on this aggregate's version. It records customer ids
    only, never a customer's personal data.
    """

    class OrganizationCreated(Aggregate.Created):
        name: str
        plan: str
        owner_id: UUID
        actor_id: UUID

    class CustomerSlotTaken(Aggregate.Event):
        customer_id: UUID
        actor_id: UUID

    class CustomerSlotReleased(Aggregate.Event):
        customer_id: UUID
        actor_id: UUID

    @event(OrganizationCreated)
    def __init__(self, name: str, plan: str, owner_id: UUID, actor_id: UUID) -> None:
        self.name = name
        self.plan = plan
        self.members: dict[str, str] = {owner_id.hex: Role.OWNER.value}
        self.customer_count = 0

    @property
    def customer_limit(self) -> int | None:
        return Plan(self.plan).customer_limit

    def role_of(self, user_id: UUID) -> Role | None:
        role = self.members.get(user_id.hex)
        return Role(role) if role is not None else None

    def take_customer_slot(self, customer_id: UUID, actor_id: UUID) -> None:
        limit = self.customer_limit
        if limit is not None and self.customer_count >= limit:
            raise PlanLimitReached(
                f"The {self.plan} plan allows {limit} customers; delete one or change the plan."
            )
        self._customer_slot_taken(customer_id=customer_id, actor_id=actor_id)

    @event(CustomerSlotTaken)
    def _customer_slot_taken(self, customer_id: UUID, actor_id: UUID) -> None:
        self.customer_count += 1

    def release_customer_slot(self, customer_id: UUID, actor_id: UUID) -> None:
        self._customer_slot_released(customer_id=customer_id, actor_id=actor_id)

    @event(CustomerSlotReleased)
    def _customer_slot_released(self, customer_id: UUID, actor_id: UUID) -> None:
        self.customer_count = max(0, self.customer_count - 1)
