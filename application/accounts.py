"""Signing up, signing in (with failed logins limited) and authenticating bearer tokens."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from application.attempt_limiter import AttemptCounter
from application.command import Context, Recorded
from application.errors import Conflict, NotFound, Unauthenticated
from application.passwords import hash_password, validate_password, verify_password
from application.principal import Principal
from domain.errors import DomainError, InvalidValue, all_checked
from domain.organization import Organization, Role
from domain.user import ApiToken, User, UserEmail
from domain.values import Plan, email_address, organization_name, person_name

if TYPE_CHECKING:
    from application.collaborators import AttemptCounters
    from application.docintake import DocIntake


@dataclass(frozen=True)
class SignedUp(Recorded):
    """A new organisation: `id` is its owner's user id; `token` a first API token."""

    organization_id: UUID
    token: str

    @property
    def user_id(self) -> UUID:
        return self.id


@dataclass(frozen=True)
class Membership:
    """What authentication needs of an organisation: who is a member, with which role and
    since when, and which permission switches are on."""

    organization_id: UUID
    members: dict[UUID, tuple[Role, datetime | None]]
    permissions: frozenset[str]

    @classmethod
    def of(cls, organization: Organization) -> Membership:
        return cls(
            organization.id,
            {
                user_id: (role, organization.member_since(user_id))
                for user_id in organization.member_ids()
                if (role := organization.role_of(user_id)) is not None
            },
            organization.enabled_permissions(),
        )


@dataclass(frozen=True)
class IssuedToken(Recorded):
    """A new API token: `id` is the token's id, `token` its secret (shown only now)."""

    token: str

    @property
    def token_id(self) -> UUID:
        return self.id


class LoginRateLimited(DomainError):
    """Too many failed logins for this account or from this address: wait `retry_after`."""

    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"Too many failed logins; try again in {seconds} seconds.")
        self.headers = {"Retry-After": str(seconds)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = "dit_") -> str:
    # 256 bits from the OS's CSPRNG; the prefix makes leaked tokens easy to grep for.
    return prefix + secrets.token_urlsafe(32)


def new_api_token(
    token: str, user: User, organization_id: UUID, name: str, actor_id: UUID
) -> ApiToken:
    """A token for `user`, listed on the user (both to be saved together)."""
    api_token = ApiToken(
        token_hash=token_hash(token),
        user_id=user.id,
        organization_id=organization_id,
        name=name,
        actor_id=actor_id,
    )
    user.add_token(api_token.id, name, actor_id)
    return api_token


class Accounts(Context):
    """Signing up, checking logins, issuing and authenticating API tokens."""

    def __init__(self, app: DocIntake, attempts: AttemptCounters) -> None:
        super().__init__(app)
        # Failed logins (API tokens and staff sessions alike) per account and per client
        # address, counted where the composition root says (the database: one limit for
        # every API process on it).
        self.login_failures_by_account: AttemptCounter = attempts.logins_by_account
        self.login_failures_by_address: AttemptCounter = attempts.logins_by_address

    def sign_up(
        self,
        organization_name_value: str,
        email: str,
        password: str,
        plan: str | None,
        name: str | None = None,
    ) -> SignedUp:
        """Create an organisation with its owner, and a first API token for the owner."""
        values: dict[str, object] = all_checked(
            {
                "organization_name": lambda: organization_name(organization_name_value),
                "email": lambda: email_address(email, required=True),
                "password": lambda: validate_password(password),
                "plan": lambda: Plan.parse("solo" if plan is None else plan),
                "name": lambda: person_name(name),
            }
        )
        address = str(values["email"])
        user_id = uuid4()
        organization = Organization(
            name=str(values["organization_name"]),
            plan=str(values["plan"]),
            owner_id=user_id,
            actor_id=user_id,
        )
        user = User(
            id=user_id,
            email=address,
            name=values["name"] if isinstance(values["name"], str) else None,
            password_hash=hash_password(str(values["password"])),
            organization_id=organization.id,
            actor_id=None,
        )
        claim = UserEmail(email=address, user_id=user.id)
        token = new_token()
        api_token = new_api_token(token, user, organization.id, "signup", user.id)
        try:
            position = self.app.record(user, organization, claim, api_token)
        except IntegrityError:
            raise Conflict("An account with this e-mail address exists already.") from None
        return SignedUp(user.id, position, organization.id, token)

    def check_login(
        self, email: object, password: object, client_address: str | None
    ) -> tuple[User, Organization]:
        """The member these credentials belong to; one vague error for every failure.

        Failed attempts count per account and per client address; past the limit
        every attempt is refused (429) without checking the password, until the
        window has moved on.
        """
        refused = Unauthenticated("E-mail or password is wrong.")
        account_key = email.strip().casefold() if isinstance(email, str) else ""
        address_key = client_address or "unknown"
        wait = max(
            self.login_failures_by_account.retry_after(account_key),
            self.login_failures_by_address.retry_after(address_key),
        )
        if wait > 0:
            raise LoginRateLimited(wait)
        user: User | None = None
        organization: Organization | None = None
        if isinstance(email, str) and isinstance(password, str):
            try:
                claim = self.app.load(UserEmail.id_for(email.strip()), UserEmail)
                user = self.app.load(claim.user_id, User)
            except (NotFound, InvalidValue):
                user = None
            # Verify even without a user (against a dummy hash): timing tells nothing.
            if verify_password(user.password_hash if user else None, password) and user:
                organization = self.app.load(user.organization_id, Organization)
                if organization.role_of(user.id) is None:
                    organization = None
        if user is None or organization is None:
            self.login_failures_by_account.failed(account_key)
            self.login_failures_by_address.failed(address_key)
            raise refused
        self.login_failures_by_account.succeeded(account_key)
        return user, organization

    def sign_in(
        self,
        email: str,
        password: str,
        token_name: str = "login",
        client_address: str | None = None,
    ) -> IssuedToken:
        """Check e-mail and password and issue a new API token."""
        user, organization = self.check_login(email, password, client_address)
        return self.issue_token(user.id, organization.id, token_name, user.id)

    def issue_token(
        self, user_id: UUID, organization_id: UUID, name: str, actor_id: UUID
    ) -> IssuedToken:
        """A new API token for the user, listed on the user (the secret is shown only now)."""
        token = new_token()

        def attempt() -> IssuedToken:
            user = self.app.load(user_id, User)
            api_token = new_api_token(token, user, organization_id, name, actor_id)
            return IssuedToken(api_token.id, self.app.record(user, api_token), token)

        return self.app.retrying(attempt)

    def authenticate(self, token: str) -> Principal:
        """The member a bearer token speaks for, as of the head of the event log now.

        Token and membership come from the principal cache, which drops them when
        an event changes them, whichever process recorded it.
        """
        refused = Unauthenticated("Missing or invalid bearer token.")
        if not token or len(token) > 200:
            raise refused
        token_id = ApiToken.id_for(token_hash(token))
        head = self.app.principals.catch_up()
        try:
            api_token = self.app.principals.get(token_id, lambda: self.app.load(token_id, ApiToken))
        except NotFound:
            raise refused from None
        if api_token.revoked:
            raise refused
        membership = self.membership(api_token.organization_id)
        member = membership.members.get(api_token.user_id)
        if member is None:
            raise refused
        return Principal(
            api_token.user_id,
            membership.organization_id,
            member[0],
            api_token.id,
            membership.permissions,
            head,
        )

    def membership(self, organization_id: UUID) -> Membership:
        """The organisation's members and switches, from the principal cache (after
        `principals.catch_up()` in the same request)."""
        return self.app.principals.get(
            organization_id, lambda: Membership.of(self.app.load(organization_id, Organization))
        )
