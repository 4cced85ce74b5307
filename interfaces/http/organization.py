"""The organisation and its team: settings and plan, invitations, members and roles."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from application.errors import NotFound
from application.members import (
    IssuedInvitation,
    Members,
    MemberView,
    OrganizationSettings,
    OrganizationView,
    PendingInvitation,
)
from application.principal import Principal
from domain.organization import Role
from interfaces.http import team_schemas as schemas
from interfaces.http.consistency import POSITION_HEADER, Reads
from interfaces.request_values import value_for


def organization_body(view: OrganizationView) -> schemas.Organization:
    return schemas.Organization(
        id=str(view.id),
        name=view.name,
        plan=view.plan,
        customer_count=view.customer_count,
        customer_limit=view.customer_limit,
        permissions=schemas.Permissions(**view.permissions),
        language=view.language,
        time_zone=view.time_zone,
        retention=schemas.Retention(**view.retention),
        reminder_schedule=schemas.OrganizationReminders(
            enabled=view.reminders_on,
            days_before=list(view.reminder_schedule.days_before),
            every_days_after=view.reminder_schedule.every_days_after,
            max_count=view.reminder_schedule.max_count,
        ),
    )


def member_body(view: MemberView) -> schemas.Member:
    return schemas.Member(
        user_id=str(view.user_id),
        email=view.email,
        name=view.name,
        role=view.role,
        joined_at=view.joined_at,
    )


class OrganizationController(Controller):
    path = "/api/v1/organization"
    tags = ["organisation"]

    @get("/", sync_to_thread=True)
    def get_organization(
        self,
        organization: NamedDependency[OrganizationSettings],
        principal: NamedDependency[Principal],
    ) -> schemas.Organization:
        """The caller's organisation: plan, customer count and cap, permission switches."""
        return organization_body(organization.get(principal))

    @patch("/", sync_to_thread=True)
    def change_organization(
        self,
        organization: NamedDependency[OrganizationSettings],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.ChangeOrganizationRequest],
    ) -> Response[schemas.Organization]:
        """Rename, switch permissions, set the mails' language, the time zone people read
        times in, the reminder schedule links follow and how long received files are kept
        (owner or admin), change the plan (owner only)."""
        changes = {
            name: value
            for name in ("name", "plan", "permissions", "language", "time_zone")
            if (value := getattr(data, name)) is not UNSET
        }
        if data.reminder_schedule is not UNSET:
            changes["reminder_schedule"] = data.reminder_schedule.plain()
        if data.retention is not UNSET:
            changes["retention"] = {
                name: value
                for name in data.retention.__struct_fields__
                if (value := getattr(data.retention, name)) is not UNSET
            }
        changed = organization.change(principal, changes)
        return reads.recorded(changed, organization_body(changed.organization))


def invitation_body(invitation: PendingInvitation | IssuedInvitation) -> schemas.Invitation:
    return schemas.Invitation(
        id=str(invitation.id),
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
    )


def invitation_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFound("No open invitation with this id.") from None


class InvitationController(Controller):
    path = "/api/v1/invitations"
    tags = ["organisation"]

    @post("/", status_code=201, sync_to_thread=True)
    def invite(
        self,
        members: NamedDependency[Members],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.InvitationRequest],
    ) -> Response[schemas.Invitation]:
        """Invite someone by e-mail; the mail carries a link valid once, for 7 days."""
        role = value_for(members.invite, principal, Role.parse, data.role)
        issued = members.invite(principal, data.email, role)
        return reads.recorded(issued, invitation_body(issued), status_code=201)

    @get("/", sync_to_thread=True)
    def list_invitations(
        self, members: NamedDependency[Members], principal: NamedDependency[Principal]
    ) -> schemas.InvitationList:
        """The invitations still open (neither accepted nor withdrawn), expired ones too."""
        return schemas.InvitationList(
            items=[
                invitation_body(invitation) for invitation in members.pending_invitations(principal)
            ]
        )

    # The id shares its path segment with the accept route's token (one parameter name).
    @delete("/{token:str}", status_code=204, sync_to_thread=True)
    def withdraw(
        self,
        members: NamedDependency[Members],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        token: FromPath[str],
    ) -> Response[None]:
        """Withdraw an open invitation (by its id): its link stops working."""
        recorded = members.withdraw_invitation(principal, invitation_id(token))
        return reads.recorded(recorded, None, status_code=204)

    @post("/{token:str}/resend", status_code=201, sync_to_thread=True)
    def resend(
        self,
        members: NamedDependency[Members],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        token: FromPath[str],
    ) -> Response[schemas.Invitation]:
        """Send an invitation (by its id) again: a new link for 7 days; the old one stops."""
        issued = members.resend_invitation(principal, invitation_id(token))
        return reads.recorded(issued, invitation_body(issued), status_code=201)

    @post("/{token:str}/accept", status_code=201, sync_to_thread=True)
    def accept(
        self,
        members: NamedDependency[Members],
        token: FromPath[str],
        data: JSONBody[schemas.AcceptInvitationRequest],
    ) -> Response[schemas.Joined]:
        """Join the organisation (no account needed): name and password in, a token out."""
        joined = members.accept_invitation(token, data.name, data.password)
        return Response(
            schemas.Joined(user_id=str(joined.user_id), token=joined.token),
            status_code=201,
            headers={POSITION_HEADER: str(joined.position)},
        )


class MemberController(Controller):
    path = "/api/v1/members"
    tags = ["organisation"]

    @get("/", sync_to_thread=True)
    def list_members(
        self, members: NamedDependency[Members], principal: NamedDependency[Principal]
    ) -> schemas.MemberList:
        """The organisation's members with their roles, in the order they joined."""
        return schemas.MemberList(items=[member_body(view) for view in members.all(principal)])

    @patch("/{user_id:uuid}", sync_to_thread=True)
    def change_role(
        self,
        members: NamedDependency[Members],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        user_id: FromPath[UUID],
        data: JSONBody[schemas.RoleRequest],
    ) -> Response[schemas.Member]:
        """Give a member another role (never above one's own; the last owner stays owner)."""
        role = value_for(members.change_role, principal, Role.parse, data.role)
        recorded = members.change_role(principal, user_id, role)
        return reads.recorded(recorded, member_body(members.get(principal, user_id)))

    @delete("/{user_id:uuid}", status_code=204, sync_to_thread=True)
    def remove(
        self,
        members: NamedDependency[Members],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        user_id: FromPath[UUID],
    ) -> Response[None]:
        """Remove a member: their tokens and sessions stop working with the next request."""
        recorded = members.remove(principal, user_id)
        return reads.recorded(recorded, None, status_code=204)
