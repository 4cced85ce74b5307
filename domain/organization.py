"""The organisation: its plan, its team with their roles, its permission switches, and how
many customers it holds."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, InvalidValue, PlanLimitReached, problem
from domain.reminders import DEFAULT_SCHEDULE, ReminderSchedule
from domain.retention import RETENTION_DEFAULTS, retention_changes
from domain.values import Plan

#: The organisation's permission switches for role `member`, and their defaults.
PERMISSION_DEFAULTS: dict[str, bool] = {
    "members_can_delete_customers": False,
    "members_can_send_links": True,
    "members_can_review_files": True,
    "members_can_manage_links": True,
}


#: Languages the organisation's mails can be written in; German unless it chooses.
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


def language(value: object, field: str = "language") -> str:
    if value not in LANGUAGES:
        raise InvalidValue.single(field, f"must be one of {', '.join(LANGUAGES)}")
    return str(value)


#: The zone people of the organisation read times in, unless it chooses another.
DEFAULT_TIME_ZONE = "Europe/Berlin"
TIME_ZONE_MAX_LENGTH = 64


def time_zone(value: object, field: str = "time_zone") -> str:
    """An IANA time-zone name the machine knows (`Europe/Berlin`, `Europe/Vienna`, `UTC`)."""
    refused = InvalidValue.single(
        field, problem("invalid_time_zone", "must be an IANA time zone such as Europe/Berlin")
    )
    if not isinstance(value, str) or not 0 < len(value) <= TIME_ZONE_MAX_LENGTH:
        raise refused
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise refused from None
    return value


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"

    @classmethod
    def parse(cls, value: object, field: str = "role") -> Role:
        try:
            return cls(str(value))
        except ValueError:
            allowed = ", ".join(r.value for r in cls)
            raise InvalidValue.single(field, f"must be one of {allowed}") from None


class LastOwner(DomainError):
    """The organisation would be left without an owner."""

    code = "last_owner"


class PlanBelowCustomerCount(PlanLimitReached):
    """A plan change would put the customer cap below the customers the organisation has."""


class NotAMember(DomainError):
    """Nobody of that id belongs to the organisation (now)."""

    code = "not_found"


class AlreadyAMember(DomainError):
    code = "conflict"


def permission_changes(values: object) -> dict[str, bool]:
    """Validate a partial set of permission switches: known names, boolean values."""
    if not isinstance(values, dict):
        raise InvalidValue.single("permissions", "must be an object")
    problems = {
        f"permissions.{name}": (
            "is not a permission" if name not in PERMISSION_DEFAULTS else "must be true or false"
        )
        for name, value in values.items()
        if name not in PERMISSION_DEFAULTS or not isinstance(value, bool)
    }
    if problems:
        raise InvalidValue(problems)
    return {str(name): bool(value) for name, value in values.items()}


class Organization(Aggregate):
    """An organisation of professionals and its team.

    It counts its customers so that the plan's cap holds under concurrent
    creates: every create takes a slot here, and two creates racing for the
    last slot conflict on this aggregate's version (so does a plan change
    racing a create). It records customer ids only, never a customer's
    personal data.

    State stays JSON-plain (str keys, str/bool values) because the aggregate is
    snapshotted: `members` maps user id (hex) to role, `joined_at` maps a current
    member to the ISO time their membership began, `former_members` keeps the
    ids of removed members so their names can still be shown in histories.
    """

    # Version 2 added the team (joined_at, former_members) and the permission switches;
    # version 3 the language of its mails; version 4 its time zone; version 5 the
    # invitations still open.
    class_version = 5

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

    class OrganizationRenamed(Aggregate.Event):
        name: str
        actor_id: UUID

    class PlanChanged(Aggregate.Event):
        old_plan: str
        new_plan: str
        actor_id: UUID

    class LanguageChanged(Aggregate.Event):
        """The language of the organisation's mails (to clients and to its team)."""

        language: str
        actor_id: UUID

    class TimeZoneChanged(Aggregate.Event):
        """The zone every time people read is shown in (pages, mails, the history)."""

        time_zone: str
        actor_id: UUID

    class PermissionsChanged(Aggregate.Event):
        changes: dict[str, bool]
        actor_id: UUID

    class ReminderScheduleChanged(Aggregate.Event):
        """The schedule links are reminded by unless they have their own; `enabled` false:
        no automatic reminders for links without their own."""

        enabled: bool
        schedule: dict[str, Any]
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.reminders_on = self.enabled
            aggregate.reminder_plan = dict(self.schedule)

    class RetentionChanged(Aggregate.Event):
        """How long received files are kept (`domain.retention`): the periods changed, each
        a number of days or None (off)."""

        retention: dict[str, int | None]
        actor_id: UUID

    class MemberInvited(Aggregate.Event):
        """Someone was invited by e-mail; the token lives only in the mail (and hashed in the
        invitation)."""

        invitation_id: UUID
        email: str
        role: str
        expires_at: datetime
        actor_id: UUID

    class InvitationWithdrawn(Aggregate.Event):
        invitation_id: UUID
        actor_id: UUID

    class MemberJoined(Aggregate.Event):
        user_id: UUID
        role: str
        invitation_id: UUID
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            # An explicit apply because the membership's start is the event's own timestamp.
            key = self.user_id.hex
            aggregate.members[key] = self.role
            aggregate.joined_at[key] = self.timestamp.isoformat()
            aggregate.pending_invitations.pop(self.invitation_id.hex, None)
            if key in aggregate.former_members:
                aggregate.former_members.remove(key)

    class MemberRoleChanged(Aggregate.Event):
        user_id: UUID
        old_role: str
        new_role: str
        actor_id: UUID

    class MemberRemoved(Aggregate.Event):
        user_id: UUID
        role: str
        actor_id: UUID

    # Organisations (and snapshots) from before the reminder setting: the default schedule, on.
    reminders_on: bool = True
    reminder_plan: dict[str, Any] | None = None
    # ... and from before retention: every period off.
    retention_periods: dict[str, int | None] | None = None

    @event(OrganizationCreated)
    def __init__(self, name: str, plan: str, owner_id: UUID, actor_id: UUID) -> None:
        self.name = name
        self.plan = plan
        self.members: dict[str, str] = {owner_id.hex: Role.OWNER.value}
        self.joined_at: dict[str, str] = {owner_id.hex: self.created_on.isoformat()}
        self.former_members: list[str] = []
        self.permissions: dict[str, bool] = dict(PERMISSION_DEFAULTS)
        self.customer_count = 0
        self.language = DEFAULT_LANGUAGE
        self.time_zone = DEFAULT_TIME_ZONE
        # Invitation id (hex) -> {email, role, expires_at (ISO), invited_by (hex)}.
        self.pending_invitations: dict[str, dict[str, str]] = {}

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Snapshots taken before teams existed: the owner joined at creation, default switches."""
        created = state["_created_on"]
        since = created.isoformat() if isinstance(created, datetime) else str(created)
        state["joined_at"] = {member: since for member in state["members"]}
        state["former_members"] = []
        state["permissions"] = dict(PERMISSION_DEFAULTS)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """Snapshots taken before the language setting: German, as every mail was then."""
        state["language"] = DEFAULT_LANGUAGE

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        """Snapshots taken before the time-zone setting: German time, as pages then showed."""
        state["time_zone"] = DEFAULT_TIME_ZONE

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        """Snapshots taken before open invitations were kept: none listed."""
        state["pending_invitations"] = {}

    @property
    def customer_limit(self) -> int | None:
        return Plan(self.plan).customer_limit

    def role_of(self, user_id: UUID) -> Role | None:
        role = self.members.get(user_id.hex)
        return Role(role) if role is not None else None

    def member_since(self, user_id: UUID) -> datetime | None:
        since = self.joined_at.get(user_id.hex)
        return datetime.fromisoformat(since) if since is not None else None

    def member_ids(self) -> list[UUID]:
        return [UUID(hex=member) for member in self.members]

    def former_member_ids(self) -> list[UUID]:
        return [UUID(hex=member) for member in self.former_members]

    def enabled_permissions(self) -> frozenset[str]:
        return frozenset(name for name, on in self.permissions.items() if on)

    # Customers and the plan

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

    def change_plan(self, plan: Plan, actor_id: UUID) -> bool:
        """Change the plan; refused when its cap is below the current number of customers."""
        if plan.value == self.plan:
            return False
        limit = plan.customer_limit
        if limit is not None and self.customer_count > limit:
            raise PlanBelowCustomerCount(
                f"The {plan.value} plan allows {limit} customers and this organisation has "
                f"{self.customer_count}; delete customers first."
            )
        self._plan_changed(old_plan=self.plan, new_plan=plan.value, actor_id=actor_id)
        return True

    @event(PlanChanged)
    def _plan_changed(self, old_plan: str, new_plan: str, actor_id: UUID) -> None:
        self.plan = new_plan

    # Settings

    def rename(self, name: str, actor_id: UUID) -> bool:
        if name == self.name:
            return False
        self._renamed(name=name, actor_id=actor_id)
        return True

    @event(OrganizationRenamed)
    def _renamed(self, name: str, actor_id: UUID) -> None:
        self.name = name

    def change_language(self, value: object, actor_id: UUID) -> bool:
        chosen = language(value)
        if chosen == self.language:
            return False
        self._language_changed(language=chosen, actor_id=actor_id)
        return True

    @event(LanguageChanged)
    def _language_changed(self, language: str, actor_id: UUID) -> None:
        self.language = language

    def change_time_zone(self, value: object, actor_id: UUID) -> bool:
        chosen = time_zone(value)
        if chosen == getattr(self, "time_zone", DEFAULT_TIME_ZONE):
            return False
        self._time_zone_changed(time_zone=chosen, actor_id=actor_id)
        return True

    @event(TimeZoneChanged)
    def _time_zone_changed(self, time_zone: str, actor_id: UUID) -> None:
        self.time_zone = time_zone

    @property
    def reminder_schedule(self) -> ReminderSchedule:
        """The organisation's schedule (whether on or off: `reminders_on`)."""
        plan = self.reminder_plan
        return ReminderSchedule.from_plain(plan) if plan else DEFAULT_SCHEDULE

    def change_reminders(self, enabled: bool, schedule: ReminderSchedule, actor_id: UUID) -> bool:
        if enabled == self.reminders_on and schedule == self.reminder_schedule:
            return False
        self.trigger_event(
            self.ReminderScheduleChanged,
            enabled=enabled,
            schedule=schedule.to_plain(),
            actor_id=actor_id,
        )
        return True

    @property
    def retention(self) -> dict[str, int | None]:
        """The retention periods (days, None: off)."""
        return {**RETENTION_DEFAULTS, **(self.retention_periods or {})}

    def change_retention(self, periods: object, actor_id: UUID) -> bool:
        """Set the given periods (validated with `retention_changes`); others stay."""
        current = self.retention
        changes = {
            name: days
            for name, days in retention_changes(periods).items()
            if current.get(name) != days
        }
        if not changes:
            return False
        self._retention_changed(retention=changes, actor_id=actor_id)
        return True

    @event(RetentionChanged)
    def _retention_changed(self, retention: dict[str, int | None], actor_id: UUID) -> None:
        self.retention_periods = {**(self.retention_periods or {}), **retention}

    def change_permissions(self, switches: dict[str, bool], actor_id: UUID) -> bool:
        """Set the given switches (validated with `permission_changes`); others stay."""
        changes = {
            name: value
            for name, value in permission_changes(switches).items()
            if self.permissions.get(name) != value
        }
        if not changes:
            return False
        self._permissions_changed(changes=changes, actor_id=actor_id)
        return True

    @event(PermissionsChanged)
    def _permissions_changed(self, changes: dict[str, bool], actor_id: UUID) -> None:
        self.permissions = {**self.permissions, **changes}

    # The team

    def record_invitation(
        self, invitation_id: UUID, email: str, role: Role, expires_at: datetime, actor_id: UUID
    ) -> None:
        self._member_invited(
            invitation_id=invitation_id,
            email=email,
            role=role.value,
            expires_at=expires_at,
            actor_id=actor_id,
        )

    @event(MemberInvited)
    def _member_invited(
        self, invitation_id: UUID, email: str, role: str, expires_at: datetime, actor_id: UUID
    ) -> None:
        self.pending_invitations[invitation_id.hex] = {
            "email": email,
            "role": role,
            "expires_at": expires_at.isoformat(),
            "invited_by": actor_id.hex,
        }

    def withdraw_invitation(self, invitation_id: UUID, actor_id: UUID) -> None:
        if invitation_id.hex in self.pending_invitations:
            self._invitation_withdrawn(invitation_id=invitation_id, actor_id=actor_id)

    @event(InvitationWithdrawn)
    def _invitation_withdrawn(self, invitation_id: UUID, actor_id: UUID) -> None:
        self.pending_invitations.pop(invitation_id.hex, None)

    def join(self, user_id: UUID, role: Role, invitation_id: UUID) -> None:
        """A person accepted an invitation (they are their own actor)."""
        if user_id.hex in self.members:
            raise AlreadyAMember("This person is a member of the organisation already.")
        self.trigger_event(
            self.MemberJoined,
            user_id=user_id,
            role=role.value,
            invitation_id=invitation_id,
            actor_id=user_id,
        )

    def change_role(self, user_id: UUID, role: Role, actor_id: UUID) -> bool:
        current = self._member_role(user_id)
        if current == role:
            return False
        if current == Role.OWNER:
            self._refuse_losing_the_last_owner(user_id)
        self._role_changed(
            user_id=user_id, old_role=current.value, new_role=role.value, actor_id=actor_id
        )
        return True

    @event(MemberRoleChanged)
    def _role_changed(self, user_id: UUID, old_role: str, new_role: str, actor_id: UUID) -> None:
        self.members[user_id.hex] = new_role

    def remove_member(self, user_id: UUID, actor_id: UUID) -> None:
        current = self._member_role(user_id)
        if current == Role.OWNER:
            self._refuse_losing_the_last_owner(user_id)
        self._member_removed(user_id=user_id, role=current.value, actor_id=actor_id)

    @event(MemberRemoved)
    def _member_removed(self, user_id: UUID, role: str, actor_id: UUID) -> None:
        key = user_id.hex
        self.members.pop(key, None)
        self.joined_at.pop(key, None)
        if key not in self.former_members:
            self.former_members.append(key)

    def _member_role(self, user_id: UUID) -> Role:
        role = self.role_of(user_id)
        if role is None:
            raise NotAMember(f"No member with id {user_id}.")
        return role

    def _refuse_losing_the_last_owner(self, user_id: UUID) -> None:
        owners = [member for member, role in self.members.items() if role == Role.OWNER.value]
        if owners == [user_id.hex]:
            raise LastOwner("The organisation needs an owner: make someone else owner first.")
