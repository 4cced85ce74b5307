"""The team's rules without I/O: roles and switches, the last owner, invitations, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from application.errors import Forbidden
from application.permissions import Action, authorize, authorize_member_change, may
from application.principal import Principal
from domain.errors import InvalidValue
from domain.invitation import Invitation, InvitationExpired, InvitationUsed
from domain.organization import (
    PERMISSION_DEFAULTS,
    AlreadyAMember,
    LastOwner,
    NotAMember,
    Organization,
    PlanBelowCustomerCount,
    Role,
)
from domain.staff_session import StaffSession
from domain.values import Plan

OWNER = uuid4()


def organization() -> Organization:
    return Organization(name="Kanzlei", plan="team", owner_id=OWNER, actor_id=OWNER)


def principal(role: Role, **switches: bool) -> Principal:
    enabled = {**PERMISSION_DEFAULTS, **switches}
    return Principal(
        uuid4(), uuid4(), role, permissions=frozenset(n for n, on in enabled.items() if on)
    )


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.VIEWER, Action.READ, True),
        (Role.VIEWER, Action.MANAGE_OWN_TOKENS, True),
        (Role.VIEWER, Action.MANAGE_CUSTOMERS, False),
        (Role.MEMBER, Action.MANAGE_CUSTOMERS, True),
        (Role.MEMBER, Action.DELETE_CUSTOMERS, False),
        (Role.MEMBER, Action.SEND_LINKS, True),
        (Role.MEMBER, Action.MANAGE_MEMBERS, False),
        (Role.ADMIN, Action.DELETE_CUSTOMERS, True),
        (Role.ADMIN, Action.MANAGE_SETTINGS, True),
        (Role.ADMIN, Action.CHANGE_PLAN, False),
        (Role.OWNER, Action.CHANGE_PLAN, True),
    ],
)
def test_roles_with_the_default_switches(role: Role, action: Action, allowed: bool) -> None:
    assert may(principal(role), action) is allowed


def test_switches_limit_members_only() -> None:
    strict = {
        "members_can_send_links": False,
        "members_can_review_files": False,
        "members_can_manage_links": False,
    }
    for action in (Action.SEND_LINKS, Action.REVIEW_FILES, Action.MANAGE_LINKS):
        assert not may(principal(Role.MEMBER, **strict), action)
        assert may(principal(Role.ADMIN, **strict), action)
    assert may(principal(Role.MEMBER, members_can_delete_customers=True), Action.DELETE_CUSTOMERS)
    assert not may(
        principal(Role.VIEWER, members_can_delete_customers=True), Action.DELETE_CUSTOMERS
    )
    with pytest.raises(Forbidden, match="settings"):
        authorize(principal(Role.MEMBER), Action.DELETE_CUSTOMERS)
    with pytest.raises(Forbidden, match="viewer"):
        authorize(principal(Role.VIEWER), Action.MANAGE_CUSTOMERS)


def test_nobody_grants_or_touches_a_role_above_their_own() -> None:
    admin = principal(Role.ADMIN)
    authorize_member_change(admin, Role.MEMBER, Role.ADMIN)
    authorize_member_change(admin, None, Role.ADMIN)
    for target, new in ((Role.OWNER, Role.VIEWER), (Role.OWNER, None), (Role.MEMBER, Role.OWNER)):
        with pytest.raises(Forbidden):
            authorize_member_change(admin, target, new)
    authorize_member_change(principal(Role.OWNER), Role.OWNER, Role.ADMIN)
    with pytest.raises(Forbidden):
        authorize_member_change(principal(Role.MEMBER), Role.VIEWER, None)


def test_the_last_owner_stays() -> None:
    org = organization()
    with pytest.raises(LastOwner):
        org.change_role(OWNER, Role.ADMIN, OWNER)
    with pytest.raises(LastOwner):
        org.remove_member(OWNER, OWNER)
    second = uuid4()
    org.join(second, Role.OWNER, uuid4())
    org.change_role(OWNER, Role.MEMBER, second)
    with pytest.raises(LastOwner):
        org.remove_member(second, second)
    assert org.role_of(OWNER) == Role.MEMBER


def test_joining_leaving_and_coming_back() -> None:
    org = organization()
    person = uuid4()
    org.join(person, Role.VIEWER, uuid4())
    joined = org.member_since(person)
    assert joined is not None and joined >= org.created_on
    with pytest.raises(AlreadyAMember):
        org.join(person, Role.ADMIN, uuid4())
    org.remove_member(person, OWNER)
    assert org.role_of(person) is None and org.member_since(person) is None
    assert org.former_member_ids() == [person]
    with pytest.raises(NotAMember):
        org.remove_member(person, OWNER)
    org.join(person, Role.MEMBER, uuid4())
    since = org.member_since(person)
    assert since is not None and since > joined
    assert org.former_member_ids() == []


def test_permission_switches_are_validated_and_recorded_as_changes() -> None:
    org = organization()
    with pytest.raises(InvalidValue) as refused:
        org.change_permissions({"members_can_fly": True, "members_can_send_links": "ja"}, OWNER)  # type: ignore[dict-item]
    assert set(refused.value.fields) == {
        "permissions.members_can_fly",
        "permissions.members_can_send_links",
    }
    assert org.change_permissions({"members_can_send_links": True}, OWNER) is False
    assert org.change_permissions({"members_can_send_links": False}, OWNER) is True
    assert "members_can_send_links" not in org.enabled_permissions()


def test_a_plan_cap_below_the_customer_count_is_refused() -> None:
    org = Organization(name="K", plan="pro", owner_id=OWNER, actor_id=OWNER)
    for _ in range(11):
        org.take_customer_slot(uuid4(), OWNER)
    with pytest.raises(PlanBelowCustomerCount) as refused:
        org.change_plan(Plan.SOLO, OWNER)
    assert refused.value.code == "plan_limit_reached"
    org.release_customer_slot(uuid4(), OWNER)
    assert org.change_plan(Plan.SOLO, OWNER) is True
    assert org.plan == "solo"


def test_a_snapshot_from_before_teams_is_upcast() -> None:
    org = organization()
    state = {
        key: value
        for key, value in vars(org).items()
        if key
        not in {"_id", "_version", "_pending_events", "joined_at", "former_members", "permissions"}
    }
    snapshot = Snapshot(  # type: ignore[call-arg]
        originator_id=org.id,
        originator_version=org.version,
        timestamp=datetime.now(UTC),
        topic=get_topic(Organization),
        state=state,
    )
    restored = snapshot.mutate(None)
    assert isinstance(restored, Organization)
    assert restored.member_since(OWNER) == org.created_on
    assert restored.permissions == PERMISSION_DEFAULTS
    assert restored.former_members == []


def test_an_invitation_is_used_once_and_expires() -> None:
    now = datetime.now(UTC)
    invitation = Invitation(
        token_hash="h",
        organization_id=uuid4(),
        email="a@example.com",
        role="member",
        expires_at=now + timedelta(days=7),
        actor_id=OWNER,
    )
    with pytest.raises(InvitationExpired):
        invitation.accept(uuid4(), now + timedelta(days=7))
    invitation.accept(uuid4(), now)
    with pytest.raises(InvitationUsed):
        invitation.accept(uuid4(), now)


def test_a_staff_session_lives_until_it_ends_or_expires() -> None:
    now = datetime.now(UTC)
    session = StaffSession(
        token_hash="h",
        user_id=OWNER,
        organization_id=uuid4(),
        expires_at=now + timedelta(hours=12),
        actor_id=OWNER,
    )
    assert session.is_live(now) and not session.is_live(now + timedelta(hours=12))
    assert session.end(OWNER) is True and session.end(OWNER) is False
    assert not session.is_live(now)


def test_team_state_survives_snapshots_through_the_transcoder() -> None:
    from domain.user import User
    from tests.support.memory import memory_app

    app = memory_app()  # in memory, but every event and snapshot is transcoded
    signed_up = app.accounts.sign_up("Kanzlei", "chef@example.com", "correct horse battery", "team")
    owner = app.accounts.authenticate(signed_up.token)
    for i in range(3):
        app.accounts.issue_token(owner.user_id, owner.organization_id, f"Skript {i}", owner.user_id)
    org = app.load(owner.organization_id, Organization)
    person = uuid4()
    org.join(person, Role.VIEWER, uuid4())
    org.change_permissions({"members_can_review_files": False}, owner.user_id)
    org.remove_member(person, owner.user_id)
    app.record(org)
    for aggregate_id in (owner.organization_id, owner.user_id):
        app.take_snapshot(aggregate_id)
    assert app.snapshots is not None
    assert len(list(app.snapshots.get(owner.organization_id))) == 1

    restored = app.repository.get(owner.organization_id)
    assert vars(restored) == vars(org)
    user = app.load(owner.user_id, User)
    assert [entry["name"] for entry in user.tokens.values()] == [
        "signup",
        "Skript 0",
        "Skript 1",
        "Skript 2",
    ]
    app.close()
