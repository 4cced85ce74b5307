"""The organisation and its team: settings and plan, invitations, members and roles."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from application.errors import NotFound
from application.members import MemberView, OrganizationView
from application.principal import Principal
from domain.organization import Role
from infrastructure.bootstrap import Services
from interfaces.http import team_schemas as schemas
from interfaces.http.consistency import POSITION_HEADER, ReadYourWrites, client_of
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


def wrote(consistency: ReadYourWrites, principal: Principal, position: int) -> dict[str, str]:
    """Remember the client's write (its next query waits for it) and say where it is."""
    consistency.wrote(client_of(principal), position)
    return {POSITION_HEADER: str(position)}


class OrganizationController(Controller):
    path = "/api/v1/organization"
    tags = ["organisation"]

    @get("/", sync_to_thread=True)
    def get_organization(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> schemas.Organization:
        """The caller's organisation: plan, customer count and cap, permission switches."""
        return organization_body(services.app.organization.get(principal))

    @patch("/", sync_to_thread=True)
    def change_organization(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.ChangeOrganizationRequest],
    ) -> Response[schemas.Organization]:
        """Rename, switch permissions, set the mails' language, the time zone people read
        times in and the reminder schedule links follow (owner or admin), change the plan
        (owner only)."""
        changes = {
            name: value
            for name in ("name", "plan", "permissions", "language", "time_zone")
            if (value := getattr(data, name)) is not UNSET
        }
        if data.reminder_schedule is not UNSET:
            changes["reminder_schedule"] = data.reminder_schedule.plain()
        changed = services.app.organization.change(principal, changes)
        body = organization_body(changed.organization)
        return Response(body, headers=wrote(consistency, principal, changed.position))


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
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.InvitationRequest],
    ) -> Response[schemas.Invitation]:
        """Invite someone by e-mail; the mail carries a link valid once, for 7 days."""
        invite = services.app.members.invite
        issued = invite(principal, data.email, value_for(invite, principal, Role.parse, data.role))
        body = schemas.Invitation(
            id=str(issued.id), email=issued.email, role=issued.role, expires_at=issued.expires_at
        )
        return Response(
            body, status_code=201, headers=wrote(consistency, principal, issued.position)
        )

    @get("/", sync_to_thread=True)
    def list_invitations(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> schemas.InvitationList:
        """The invitations still open (neither accepted nor withdrawn), expired ones too."""
        return schemas.InvitationList(
            items=[
                schemas.Invitation(
                    id=str(i.id), email=i.email, role=i.role, expires_at=i.expires_at
                )
                for i in services.app.members.pending_invitations(principal)
            ]
        )

    # The id shares its path segment with the accept route's token (one parameter name).
    @delete("/{token:str}", status_code=204, sync_to_thread=True)
    def withdraw(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        token: FromPath[str],
    ) -> Response[None]:
        """Withdraw an open invitation (by its id): its link stops working."""
        recorded = services.app.members.withdraw_invitation(principal, invitation_id(token))
        headers = wrote(consistency, principal, recorded.position)
        return Response(None, status_code=204, headers=headers)

    @post("/{token:str}/resend", status_code=201, sync_to_thread=True)
    def resend(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        token: FromPath[str],
    ) -> Response[schemas.Invitation]:
        """Send an invitation (by its id) again: a new link for 7 days; the old one stops."""
        issued = services.app.members.resend_invitation(principal, invitation_id(token))
        body = schemas.Invitation(
            id=str(issued.id), email=issued.email, role=issued.role, expires_at=issued.expires_at
        )
        return Response(
            body, status_code=201, headers=wrote(consistency, principal, issued.position)
        )

    @post("/{token:str}/accept", status_code=201, sync_to_thread=True)
    def accept(
        self,
        services: NamedDependency[Services],
        token: FromPath[str],
        data: JSONBody[schemas.AcceptInvitationRequest],
    ) -> Response[schemas.Joined]:
        """Join the organisation (no account needed): name and password in, a token out."""
        joined = services.app.members.accept_invitation(token, data.name, data.password)
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
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> schemas.MemberList:
        """The organisation's members with their roles, in the order they joined."""
        return schemas.MemberList(
            items=[member_body(view) for view in services.app.members.all(principal)]
        )

    @patch("/{user_id:uuid}", sync_to_thread=True)
    def change_role(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        user_id: FromPath[UUID],
        data: JSONBody[schemas.RoleRequest],
    ) -> Response[schemas.Member]:
        """Give a member another role (never above one's own; the last owner stays owner)."""
        change_role = services.app.members.change_role
        role = value_for(change_role, principal, Role.parse, data.role)
        recorded = change_role(principal, user_id, role)
        body = member_body(services.app.members.get(principal, user_id))
        return Response(body, headers=wrote(consistency, principal, recorded.position))

    @delete("/{user_id:uuid}", status_code=204, sync_to_thread=True)
    def remove(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        user_id: FromPath[UUID],
    ) -> Response[None]:
        """Remove a member: their tokens and sessions stop working with the next request."""
        recorded = services.app.members.remove(principal, user_id)
        headers = wrote(consistency, principal, recorded.position)
        return Response(None, status_code=204, headers=headers)
