"""The one place that decides whether an actor may do a command.

Every command of the application calls `authorize` (and the team commands
`authorize_member_change` as well) before it changes anything; the HTTP layer
only maps `Forbidden` to 403. The decision is a pure function of the principal
(role and the organisation's permission switches, read when the request was
authenticated) and the action.
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
    MANAGE_OWN_TOKENS = "manage_own_tokens"
    CHANGE_OWN_SETTINGS = "change_own_settings"


# Everyone may read, keep API tokens of their own (a token acts with its user's role) and
# choose what they are e-mailed about.
_VIEWER = {Action.READ, Action.MANAGE_OWN_TOKENS, Action.CHANGE_OWN_SETTINGS}
_MEMBER = _VIEWER | {
    Action.MANAGE_CUSTOMERS,
    Action.DELETE_CUSTOMERS,
    Action.MANAGE_LINKS,
    Action.SEND_LINKS,
    Action.REVIEW_FILES,
    Action.SEND_FILES,
}
_ADMIN = _MEMBER | {Action.MANAGE_MEMBERS, Action.MANAGE_SETTINGS}
_OWNER = _ADMIN | {Action.CHANGE_PLAN}

#: What each role may do at most.
ALLOWED_BY_ROLE: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.MEMBER: frozenset(_MEMBER),
    Role.ADMIN: frozenset(_ADMIN),
    Role.OWNER: frozenset(_OWNER),
}

#: For role `member`, these actions also need the organisation's switch to be on.
MEMBER_SWITCHES: dict[Action, str] = {
    Action.DELETE_CUSTOMERS: "members_can_delete_customers",
    Action.SEND_LINKS: "members_can_send_links",
    Action.REVIEW_FILES: "members_can_review_files",
    Action.MANAGE_LINKS: "members_can_manage_links",
}

#: Nobody may give a role above their own, nor change or remove someone above them.
RANK: dict[Role, int] = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def may(principal: Principal, action: Action) -> bool:
    if action not in ALLOWED_BY_ROLE[principal.role]:
        return False
    switch = MEMBER_SWITCHES.get(action)
    return principal.role != Role.MEMBER or switch is None or switch in principal.permissions


def authorize(principal: Principal, action: Action) -> None:
    """Raise `Forbidden` unless the principal's role (and the organisation's switches) allow
    the action."""
    if may(principal, action):
        return
    what = action.value.replace("_", " ")
    if action in ALLOWED_BY_ROLE[principal.role]:
        raise Forbidden(f"This organisation's settings do not let members {what}.")
    raise Forbidden(f"Your role ({principal.role.value}) may not {what}.")


def authorize_member_change(
    principal: Principal, target_role: Role | None, new_role: Role | None
) -> None:
    """May the principal invite someone as `new_role`, or change a member of `target_role`
    (to `new_role`, or remove them when it is None)?"""
    authorize(principal, Action.MANAGE_MEMBERS)
    mine = RANK[principal.role]
    if target_role is not None and RANK[target_role] > mine:
        raise Forbidden(f"Only an owner may change or remove an {target_role.value}.")
    if new_role is not None and RANK[new_role] > mine:
        raise Forbidden(f"Your role ({principal.role.value}) may not make anyone {new_role.value}.")
