"""The organisation's settings, invitations, members and their roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.docintake import DocIntake
from application.errors import Conflict, Forbidden, NotFound, Unauthenticated
from application.principal import Principal
from domain.errors import DomainError, InvalidValue, PlanLimitReached
from domain.invitation import InvitationExpired, InvitationUsed, InvitationWithdrawn
from domain.organization import LastOwner, Role
from tests.commands.conftest import PASSWORD, invitation_token, member, sign_up


def test_change_the_organisation(app: DocIntake, owner: Principal) -> None:
    changed = app.organization.change(
        owner,
        {
            "name": "Kanzlei Weiß",
            "language": "en",
            "permissions": {"members_can_review_files": False},
        },
    )
    assert changed.organization.name == "Kanzlei Weiß"
    assert changed.id == owner.organization_id and changed.position == app.head()
    view = app.organization.get(owner)
    assert (view.name, view.language) == ("Kanzlei Weiß", "en")
    assert view.permissions["members_can_review_files"] is False
    with pytest.raises(InvalidValue) as refused:
        app.organization.change(owner, {"name": "", "language": "fr", "plan": "gratis"})
    assert {"name", "language", "plan"} <= set(refused.value.fields)


def test_a_plan_below_the_customer_count_is_refused(app: DocIntake) -> None:
    pro = sign_up(app, "Kanzlei", "pro@example.com", plan="pro")
    for number in range(11):
        app.customers.create(pro, f"Kunde {number}")
    with pytest.raises(PlanLimitReached):
        app.organization.change(pro, {"plan": "solo"})


def test_invite_and_accept(app: DocIntake, owner: Principal) -> None:
    issued = app.members.invite(owner, "neu@example.com", Role.MEMBER)
    assert (issued.email, issued.role) == ("neu@example.com", "member")
    token = invitation_token(app)
    joined = app.members.accept_invitation(token, "Zoë Çelik", PASSWORD)
    principal = app.accounts.authenticate(joined.token)
    assert principal.role is Role.MEMBER and principal.organization_id == owner.organization_id
    assert [view.email for view in app.members.all(owner)] == [
        "chef@example.com",
        "neu@example.com",
    ]
    assert app.members.names(owner.organization_id)[joined.user_id] == "Zoë Çelik"
    with pytest.raises(InvitationUsed):
        app.members.accept_invitation(token, "Nochmal", PASSWORD)
    with pytest.raises(NotFound):
        app.members.accept_invitation("inv_unbekannt", "X", PASSWORD)
    with pytest.raises(Conflict):
        app.members.invite(owner, "neu@example.com", Role.VIEWER)


def test_change_role_and_remove(app: DocIntake, owner: Principal) -> None:
    app.members.invite(owner, "zweite@example.com", Role.MEMBER)
    joined = app.members.accept_invitation(invitation_token(app), "Zweite", PASSWORD)
    second = app.accounts.authenticate(joined.token)
    recorded = app.members.change_role(owner, second.user_id, Role.ADMIN)
    assert recorded.id == second.user_id
    assert app.members.get(owner, second.user_id).role == "admin"
    app.members.remove(owner, second.user_id)
    with pytest.raises(NotFound):
        app.members.get(owner, second.user_id)
    with pytest.raises(Unauthenticated):
        app.accounts.authenticate(joined.token)


def test_the_last_owner_stays(app: DocIntake, owner: Principal) -> None:
    with pytest.raises(LastOwner):
        app.members.change_role(owner, owner.user_id, Role.MEMBER)
    with pytest.raises(LastOwner):
        app.members.remove(owner, owner.user_id)


def test_members_of_another_organisation_are_out_of_reach(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    with pytest.raises(NotFound):
        app.members.get(stranger, owner.user_id)
    with pytest.raises(NotFound):
        app.members.remove(stranger, owner.user_id)
    with pytest.raises(NotFound):
        app.members.change_role(stranger, owner.user_id, Role.VIEWER)


def test_a_viewer_may_not_manage_the_team(app: DocIntake, owner: Principal) -> None:
    viewer = member(app, owner, "viewer", "leser@example.com")
    with pytest.raises(Forbidden):
        app.members.invite(viewer, "x@example.com", Role.VIEWER)
    with pytest.raises(Forbidden):
        app.organization.change(viewer, {"name": "Übernahme"})


def test_withdraw_and_resend_an_invitation(app: DocIntake, owner: Principal) -> None:
    first = app.members.invite(owner, "neu@example.com", Role.VIEWER)
    old_token = invitation_token(app)
    resent = app.members.resend_invitation(owner, first.id)
    assert [i.id for i in app.members.pending_invitations(owner)] == [resent.id]
    with pytest.raises(DomainError):
        app.members.accept_invitation(old_token, "Zoë", PASSWORD)
    app.members.withdraw_invitation(owner, resent.id)
    assert app.members.pending_invitations(owner) == []


def test_time_zone_and_who_may_change_the_plan(app: DocIntake, owner: Principal) -> None:
    changed = app.organization.change(owner, {"time_zone": "America/Argentina/Buenos_Aires"})
    assert changed.organization.time_zone == "America/Argentina/Buenos_Aires"
    for zone in ("Mars/Olympus", "", "Europe/Berlin\x00", 7):
        with pytest.raises(InvalidValue) as refused:
            app.organization.change(owner, {"time_zone": zone})
        assert set(refused.value.fields) == {"time_zone"}
    admin = member(app, owner, "admin", "admin@example.com")
    app.organization.change(admin, {"time_zone": "Europe/Berlin"})
    assert app.organization.get(owner).time_zone == "Europe/Berlin"
    # The plan is the owner's alone, whatever else the change holds.
    with pytest.raises(Forbidden):
        app.organization.change(admin, {"plan": "pro", "name": "Kanzlei Übernahme"})
    assert (app.organization.get(owner).plan, app.organization.get(owner).name) == (
        "team",
        "Kanzlei Groß & Söhne",
    )


def test_the_invitation_page_shows_what_it_invites_to_until_it_is_used(
    app: DocIntake, owner: Principal
) -> None:
    app.organization.change(owner, {"time_zone": "Europe/Vienna"})
    issued = app.members.invite(owner, "Zoe.Celik@Example.COM", Role.MEMBER)
    token = invitation_token(app)
    preview = app.members.invitation_preview(token)
    assert (preview.organization_name, preview.email, preview.role, preview.time_zone) == (
        "Kanzlei Groß & Söhne",
        "Zoe.Celik@example.com",
        "member",
        "Europe/Vienna",
    )
    assert preview.expires_at == issued.expires_at
    with pytest.raises(InvitationExpired):
        app.members.invitation_preview(token, now=issued.expires_at + timedelta(seconds=1))
    for unknown in ("inv_unbekannt", "", "x" * 201, None):
        with pytest.raises(NotFound):
            app.members.invitation_preview(unknown)
    app.members.accept_invitation(token, "Zoë Çelik", PASSWORD)
    with pytest.raises(InvitationUsed):
        app.members.invitation_preview(token)


def test_a_withdrawn_invitation_shows_nothing(app: DocIntake, owner: Principal) -> None:
    issued = app.members.invite(owner, "weg@example.com", Role.VIEWER)
    token = invitation_token(app)
    app.members.withdraw_invitation(owner, issued.id)
    with pytest.raises(InvitationWithdrawn):
        app.members.invitation_preview(token)
