"""The organisation and its team: settings, plan, invitations, members and their roles."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from uuid import UUID, uuid4

from application.accounts import new_api_token, token_hash
from application.accounts import new_token as new_secret
from application.command import Context, Recorded, command
from application.error_text import error_summary
from application.errors import AccountExists, AlreadyInvited, AlreadyMember, NotFound
from application.invitation_mail import invitation_message
from application.passwords import hash_password, validate_password
from application.permissions import Action, authorize, authorize_member_change
from application.principal import Principal
from domain.errors import DomainError, InvalidValue, Problem, problem
from domain.invitation import INVITATION_VALIDITY, Invitation
from domain.organization import Organization, Role, language, permission_changes, time_zone
from domain.reminders import DEFAULT_SCHEDULE, ReminderSchedule, organization_reminders
from domain.retention import retention_changes
from domain.user import ApiToken, User, UserEmail
from domain.values import Plan, email_address, organization_name, person_name

log = logging.getLogger(__name__)


class MailNotSent(DomainError):
    """The mail server did not take the message; what was recorded stays recorded."""

    code = "mail_not_sent"


@dataclass(frozen=True)
class OrganizationView:
    id: UUID
    name: str
    plan: str
    customer_count: int
    customer_limit: int | None
    permissions: dict[str, bool]
    language: str
    time_zone: str
    reminders_on: bool = True
    reminder_schedule: ReminderSchedule = DEFAULT_SCHEDULE
    #: How long received files are kept (`domain.retention`): days, None for off.
    retention: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberView:
    user_id: UUID
    email: str
    name: str | None
    role: str
    joined_at: datetime


@dataclass(frozen=True)
class OrganizationChanged(Recorded):
    """`id` is the organisation's; `organization` as saved."""

    organization: OrganizationView


@dataclass(frozen=True)
class IssuedInvitation(Recorded):
    email: str
    role: str
    expires_at: datetime


@dataclass(frozen=True)
class PendingInvitation:
    id: UUID
    email: str
    role: str
    expires_at: datetime
    invited_by: UUID


@dataclass(frozen=True)
class InvitationPreview:
    organization_name: str
    email: str
    role: str
    expires_at: datetime
    time_zone: str


@dataclass(frozen=True)
class Joined(Recorded):
    """Someone accepted an invitation: `id` is their user id; `token` a first API token."""

    token: str

    @property
    def user_id(self) -> UUID:
        return self.id


def organization_view(organization: Organization) -> OrganizationView:
    return OrganizationView(
        id=organization.id,
        name=organization.name,
        plan=organization.plan,
        customer_count=organization.customer_count,
        customer_limit=organization.customer_limit,
        permissions=dict(organization.permissions),
        language=organization.language,
        time_zone=organization.time_zone,
        reminders_on=organization.reminders_on,
        reminder_schedule=organization.reminder_schedule,
        retention=organization.retention,
    )


class OrganizationSettings(Context):
    """The organisation itself: its name, plan, permission switches and mail language."""

    def get(self, principal: Principal) -> OrganizationView:
        authorize(principal, Action.READ)
        return organization_view(self.app.load(principal.organization_id, Organization))

    @command(Action.MANAGE_SETTINGS)
    def change(self, principal: Principal, changes: Mapping[str, object]) -> OrganizationChanged:
        """Change `name`, `plan`, `permissions` (a partial set of switches), `language`
        (of the organisation's mails: `de` or `en`), `time_zone` (an IANA name: the
        zone people read every time in), `reminder_schedule` (`{enabled, days_before,
        every_days_after, max_count}`, any part of it: the schedule links follow) and/or
        `retention` (a partial set of the retention periods, `domain.retention`: days from 1
        to 3650, or None for off).

        Settings need an owner or admin; the plan needs an owner, and is refused
        (`plan_limit_reached`) when its cap is below the current customer count.
        """
        if "plan" in changes:
            authorize(principal, Action.CHANGE_PLAN)
        problems: dict[str, str | Problem] = {}
        name: str | None = None
        plan: Plan | None = None
        switches: dict[str, bool] | None = None
        mail_language: str | None = None
        zone: str | None = None
        retention: dict[str, int | None] | None = None
        try:
            if "retention" in changes:
                retention = retention_changes(changes["retention"])
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        try:
            if "language" in changes:
                mail_language = language(changes["language"])
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        try:
            if "time_zone" in changes:
                zone = time_zone(changes["time_zone"])
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        organization = self.app.load(principal.organization_id, Organization)
        reminders: tuple[bool, ReminderSchedule] | None = None
        try:
            if "reminder_schedule" in changes:
                reminders = organization_reminders(
                    changes["reminder_schedule"],
                    organization.reminders_on,
                    organization.reminder_schedule,
                )
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        try:
            if "name" in changes:
                name = organization_name(changes["name"], "name")
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        try:
            if "plan" in changes:
                plan = Plan.parse(changes["plan"])
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        try:
            if "permissions" in changes:
                switches = permission_changes(changes["permissions"])
        except InvalidValue as invalid:
            problems.update(invalid.problems)
        if problems:
            raise InvalidValue(problems)
        if name is not None:
            organization.rename(name, principal.user_id)
        if switches is not None:
            organization.change_permissions(switches, principal.user_id)
        if mail_language is not None:
            organization.change_language(mail_language, principal.user_id)
        if zone is not None:
            organization.change_time_zone(zone, principal.user_id)
        if reminders is not None:
            organization.change_reminders(*reminders, principal.user_id)
        if retention is not None:
            organization.change_retention(retention, principal.user_id)
        if plan is not None:
            organization.change_plan(plan, principal.user_id)
        position = self.app.record(organization)
        return OrganizationChanged(organization.id, position, organization_view(organization))


def joining_entries(name: object, password: object) -> tuple[str | None, dict[str, str | Problem]]:
    """The name an invited person typed (None if left empty) and what is wrong with it and
    the password: the invitation page shows these, and accepting checks them again."""
    problems: dict[str, str | Problem] = {}
    person: str | None = None
    try:
        person = person_name(name)
        if person is None:
            problems["name"] = problem("required", "is required")
    except InvalidValue as invalid:
        problems.update(invalid.problems)
    try:
        validate_password(password)
    except InvalidValue as invalid:
        problems.update(invalid.problems)
    return person, problems


class Members(Context):
    """Invitations, members and their roles."""

    # Invitations

    @command(Action.MANAGE_MEMBERS)
    def invite(
        self, principal: Principal, email: str, role: Role, *, now: datetime | None = None
    ) -> IssuedInvitation:
        """Invite someone by e-mail into the principal's organisation.

        The token (256 bits) goes only into the mail; the invitation stores its
        hash and is valid for 7 days, once. The mail is sent after the
        invitation is recorded, so no mail ever carries a token that was not
        stored.
        """
        address = email_address(email, required=True)
        if address is None:  # refused by `required` already; for the type checker
            raise InvalidValue.single("email", "is required")
        new_role = role
        authorize_member_change(principal, None, new_role)
        self._refuse_existing_account(principal.organization_id, address)
        moment = now or datetime.now(UTC)
        organization = self.app.load(principal.organization_id, Organization)
        for entry in organization.pending_invitations.values():
            open_until = datetime.fromisoformat(entry["expires_at"])
            if entry["email"].casefold() == address.casefold() and open_until > moment:
                # A double click, or a second try: one open invitation per address.
                raise AlreadyInvited("This address has an open invitation already.")
        token = new_secret("inv_")
        expires_at = moment + INVITATION_VALIDITY

        invitation = Invitation(
            token_hash=token_hash(token),
            organization_id=organization.id,
            email=address,
            role=new_role.value,
            expires_at=expires_at,
            actor_id=principal.user_id,
        )
        organization.record_invitation(
            invitation.id, address, new_role, expires_at, principal.user_id
        )
        position = self.app.record(organization, invitation)
        inviter = self.app.load(principal.user_id, User)
        self._send(
            invitation_message(
                to=address,
                organization_name=organization.name,
                inviter_name=inviter.display_name,
                role=new_role,
                accept_url=f"{self.app.base_url}/invitations/{token}",
                expires_at=expires_at,
                language=organization.language,
                time_zone=organization.time_zone,
            )
        )
        return IssuedInvitation(invitation.id, position, address, new_role.value, expires_at)

    def pending_invitations(self, principal: Principal) -> list[PendingInvitation]:
        """The organisation's invitations not yet accepted nor withdrawn, newest last."""
        authorize(principal, Action.READ)
        organization = self.app.load(principal.organization_id, Organization)
        return [
            PendingInvitation(
                id=UUID(key),
                email=entry["email"],
                role=entry["role"],
                expires_at=datetime.fromisoformat(entry["expires_at"]),
                invited_by=UUID(entry["invited_by"]),
            )
            for key, entry in organization.pending_invitations.items()
        ]

    @command(Action.MANAGE_MEMBERS)
    def withdraw_invitation(self, principal: Principal, invitation_id: UUID) -> Recorded:
        """Take an open invitation back: its link answers "withdrawn" from now on."""
        organization = self.app.load(principal.organization_id, Organization)
        if invitation_id.hex not in organization.pending_invitations:
            raise NotFound(f"No open invitation with id {invitation_id}.")
        invitation = self.app.load(invitation_id, Invitation)
        invitation.withdraw(principal.user_id)
        organization.withdraw_invitation(invitation_id, principal.user_id)
        return Recorded(invitation_id, self.app.record(organization, invitation))

    def resend_invitation(
        self, principal: Principal, invitation_id: UUID, *, now: datetime | None = None
    ) -> IssuedInvitation:
        """Send an open (or expired) invitation again: the old link is withdrawn and a new
        one, valid for another 7 days, goes to the same address with the same role."""
        authorize(principal, Action.MANAGE_MEMBERS)
        organization = self.app.load(principal.organization_id, Organization)
        entry = organization.pending_invitations.get(invitation_id.hex)
        if entry is None:
            raise NotFound(f"No open invitation with id {invitation_id}.")
        self.withdraw_invitation(principal, invitation_id)
        return self.invite(principal, entry["email"], Role(entry["role"]), now=now)

    def invitation_preview(self, token: str, *, now: datetime | None = None) -> InvitationPreview:
        """What the invitation page shows before it is accepted; refuses an unknown (404),
        used, expired or withdrawn (410) invitation."""
        if not isinstance(token, str) or not token or len(token) > 200:
            raise NotFound("No such invitation.")
        invitation = self._usable_invitation(
            Invitation.id_for(token_hash(token)), now or datetime.now(UTC)
        )
        organization = self.app.load(invitation.organization_id, Organization)
        return InvitationPreview(
            organization_name=organization.name,
            email=invitation.email,
            role=invitation.role,
            expires_at=invitation.expires_at,
            time_zone=organization.time_zone,
        )

    def _refuse_existing_account(self, organization_id: UUID, address: str) -> None:
        try:
            claim = self.app.load(UserEmail.id_for(address), UserEmail)
        except NotFound:
            return
        user = self.app.load(claim.user_id, User)
        if user.organization_id != organization_id:
            raise AccountExists("An account with this e-mail address exists already.")
        organization = self.app.load(organization_id, Organization)
        if organization.role_of(user.id) is not None:
            raise AlreadyMember("This person is a member of the organisation already.")

    def _send(self, message: EmailMessage) -> None:
        # Delivered by the request itself, after the invitation is recorded: the token exists
        # only in this mail, never in an event, so a job made from the event log could not
        # write it.
        try:
            self.app.mailer.send(message)
        except Exception as error:
            log.warning("invitation mail not sent: %s", error_summary(error))
            raise MailNotSent(
                "The invitation is recorded but its e-mail could not be sent; invite again."
            ) from error

    def accept_invitation(
        self,
        token: str,
        name: str,
        password: str,
        *,
        now: datetime | None = None,
        with_api_token: bool = True,
    ) -> Joined:
        """Join the inviting organisation with the invitation's role (no account needed).

        Creates the user (or, for a former member of the same organisation, gives
        them a new password), marks the invitation used, and issues a first API
        token, all in one transaction: accepting twice or late is refused (410).
        """
        if not isinstance(token, str) or not token or len(token) > 200:
            raise NotFound("No such invitation.")
        person, problems = joining_entries(name, password)
        invitation_id = Invitation.id_for(token_hash(token))
        moment = now or datetime.now(UTC)
        # Unknown, used or expired invitations are refused before looking at the body.
        self._usable_invitation(invitation_id, moment)
        if problems or person is None:
            raise InvalidValue(problems)
        password_hash = hash_password(str(password))
        api_secret = new_secret()

        def attempt() -> Joined:
            invitation = self._usable_invitation(invitation_id, moment)
            organization = self.app.load(invitation.organization_id, Organization)
            claim: UserEmail | None = None
            try:
                existing = self.app.load(UserEmail.id_for(invitation.email), UserEmail)
            except NotFound:
                user = User(
                    id=uuid4(),
                    email=invitation.email,
                    name=person,
                    password_hash=password_hash,
                    organization_id=organization.id,
                    actor_id=None,
                )
                claim = UserEmail(email=invitation.email, user_id=user.id)
            else:
                user = self.app.load(existing.user_id, User)
                if user.organization_id != organization.id:
                    raise AccountExists("An account with this e-mail address exists already.")
                # A former member comes back: same user, new password.
                user.change_password(password_hash, user.id)
                user.rename(person, user.id)
            organization.join(user.id, Role(invitation.role), invitation.id)
            invitation.accept(user.id, moment)
            # The invitation page signs the person in with a session instead of a token.
            api_token = (
                new_api_token(api_secret, user, organization.id, "invitation", user.id)
                if with_api_token
                else None
            )
            position = self.app.record(invitation, organization, user, claim, api_token)
            return Joined(user.id, position, api_secret if with_api_token else "")

        return self.app.retrying(attempt)

    def _usable_invitation(self, invitation_id: UUID, now: datetime) -> Invitation:
        try:
            invitation = self.app.load(invitation_id, Invitation)
        except NotFound:
            raise NotFound("No such invitation.") from None
        invitation.check_usable(now)
        return invitation

    # Members

    def all(self, principal: Principal) -> list[MemberView]:
        """The organisation's current members, in the order they joined."""
        authorize(principal, Action.READ)
        organization = self.app.load(principal.organization_id, Organization)
        views = [self._member_view(organization, user_id) for user_id in organization.member_ids()]
        return sorted(views, key=lambda view: view.joined_at)

    def get(self, principal: Principal, user_id: UUID) -> MemberView:
        authorize(principal, Action.READ)
        organization = self.app.load(principal.organization_id, Organization)
        if organization.role_of(user_id) is None:
            raise NotFound(f"No member with id {user_id}.")
        return self._member_view(organization, user_id)

    def _member_view(self, organization: Organization, user_id: UUID) -> MemberView:
        user = self.app.load(user_id, User)
        role = organization.role_of(user_id)
        since = organization.member_since(user_id)
        assert role is not None and since is not None
        return MemberView(user.id, user.email, user.name, role.value, since)

    @command(Action.MANAGE_MEMBERS)
    def change_role(self, principal: Principal, user_id: UUID, role: Role) -> Recorded:
        """Give a member another role; the last owner cannot be demoted (`last_owner`)."""
        organization = self.app.load(principal.organization_id, Organization)
        current = organization.role_of(user_id)
        if current is None:
            raise NotFound(f"No member with id {user_id}.")
        authorize_member_change(principal, current, role)
        organization.change_role(user_id, role, principal.user_id)
        return Recorded(user_id, self.app.record(organization))

    @command(Action.MANAGE_MEMBERS)
    def remove(self, principal: Principal, user_id: UUID) -> Recorded:
        """Remove a member: their API tokens are revoked and their sessions refused at once.

        The last owner cannot be removed (`last_owner`).
        """
        organization = self.app.load(principal.organization_id, Organization)
        current = organization.role_of(user_id)
        if current is None:
            raise NotFound(f"No member with id {user_id}.")
        authorize_member_change(principal, current, None)
        organization.remove_member(user_id, principal.user_id)
        # Membership is checked on every request, so the tokens are dead already;
        # revoking them as well keeps them dead should the person ever rejoin.
        user = self.app.load(user_id, User)
        tokens = [self.app.load(token_id, ApiToken) for token_id in user.token_ids()]
        for api_token in tokens:
            api_token.revoke(principal.user_id)
            user.remove_token(api_token.id, principal.user_id)
        return Recorded(user_id, self.app.record(organization, user, *tokens))

    def names(self, organization_id: UUID) -> dict[UUID, str]:
        """Names to show for everyone who is or was a member (for activity histories).

        A person without a name is shown by e-mail address.
        """
        organization = self.app.load(organization_id, Organization)
        people = [*organization.member_ids(), *organization.former_member_ids()]
        return {user_id: self.app.load(user_id, User).display_name for user_id in people}
