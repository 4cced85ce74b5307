"""The one place that decides whether an actor may do a command.

Every command of the application calls `authorize` before it changes
anything; the HTTP layer only maps `Forbidden` to 403.
"""

from __future__ import annotations

from enum import StrEnum

from application.errors import Forbidden
from application.principal import Principal
from domain.organization import Role


class Action(StrEnum):
    READ = "read"
    MANAGE_CUSTOMERS = "manage_customers"
    DELETE_CUSTOMERS = "delete_customers"
    MANAGE_LINKS = "manage_links"
    SEND_LINKS = "send_links"
    REVIEW_FILES = "review_files"
    SEND_FILES = "send_files"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_SETTINGS = "manage_settings"
    CHANGE_PLAN = "change_plan"


_VIEWER = {Action.READ}
_MEMBER = _VIEWER | {
    Action.MANAGE_CUSTOMERS,
    Action.MANAGE_LINKS,
    Action.SEND_LINKS,
    Action.REVIEW_FILES,
    Action.SEND_FILES,
}
_ADMIN = _MEMBER | {Action.DELETE_CUSTOMERS, Action.MANAGE_MEMBERS, Action.MANAGE_SETTINGS}
_OWNER = _ADMIN | {Action.CHANGE_PLAN}

ALLOWED_BY_ROLE: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.MEMBER: frozenset(_MEMBER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_OWNER),
}


def may(principal: Principal, action: Action) -> bool:
    return action in ALLOWED_BY_ROLE[principal.role]


def authorize(principal: Principal, action: Action) -> None:
    """Raise `Forbidden` unless the principal's role allows the action."""
    if not may(principal, action):
        raise Forbidden(
            f"Your role ({principal.role.value}) may not {action.value.replace('_', ' ')}."
        )
