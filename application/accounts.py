"""Signing up, signing in and authenticating bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from application.base import DocIntakeBase
from application.errors import Conflict, NotFound, Unauthenticated
from application.passwords import hash_password, validate_password, verify_password
from application.principal import Principal
from domain.errors import InvalidValue
from domain.organization import Organization
from domain.user import ApiToken, User, UserEmail
from domain.values import Plan, email_address, organization_name


@dataclass(frozen=True)
class SignedUp:
    organization_id: UUID
    user_id: UUID
    token: str
    position: int


@dataclass(frozen=True)
class IssuedToken:
    token_id: UUID
    token: str
    position: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    # 256 bits from the OS's CSPRNG; the prefix makes leaked tokens easy to grep for.
    return "dit_" + secrets.token_urlsafe(32)


class AccountCommands(DocIntakeBase):
    def signup(
        self, organization_name_value: object, email: object, password: object, plan: object
    ) -> SignedUp:
        """Create an organisation with its owner, and a first API token for the owner."""
        problems: dict[str, str] = {}
        values: dict[str, object] = {}
        for field, check in (
            ("organization_name", lambda: organization_name(organization_name_value)),
            ("email", lambda: email_address(email, required=True)),
            ("password", lambda: validate_password(password)),
            ("plan", lambda: Plan.parse("solo" if plan is None else plan)),
        ):
            try:
                values[field] = check()
            except InvalidValue as invalid:
                problems.update(invalid.fields)
        if problems:
            raise InvalidValue(problems)
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
            name=None,
            password_hash=hash_password(str(values["password"])),
            organization_id=organization.id,
            actor_id=None,
        )
        claim = UserEmail(email=address, user_id=user.id)
        token = new_token()
        api_token = ApiToken(
            token_hash=token_hash(token),
            user_id=user.id,
            organization_id=organization.id,
            name="signup",
            actor_id=user.id,
        )
        try:
            position = self.record(user, organization, claim, api_token)
        except IntegrityError:
            raise Conflict("An account with this e-mail address exists already.") from None
        return SignedUp(organization.id, user.id, token, position)

    def sign_in(self, email: object, password: object, token_name: str = "login") -> IssuedToken:
        """Check e-mail and password and issue a new API token; one vague error for all failures."""
        refused = Unauthenticated("E-mail or password is wrong.")
        if not isinstance(email, str) or not isinstance(password, str):
            raise refused
        user: User | None = None
        try:
            claim = self.load(UserEmail.id_for(email.strip()), UserEmail)
            user = self.load(claim.user_id, User)
        except (NotFound, InvalidValue):
            user = None
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise refused
        organization = self.load(user.organization_id, Organization)
        if organization.role_of(user.id) is None:
            raise refused
        return self.issue_token(user.id, organization.id, token_name, user.id)

    def issue_token(
        self, user_id: UUID, organization_id: UUID, name: str, actor_id: UUID
    ) -> IssuedToken:
        token = new_token()
        api_token = ApiToken(
            token_hash=token_hash(token),
            user_id=user_id,
            organization_id=organization_id,
            name=name,
            actor_id=actor_id,
        )
        position = self.record(api_token)
        return IssuedToken(api_token.id, token, position)

    def authenticate(self, token: str) -> Principal:
        """The member a bearer token speaks for, checked against the organisation now."""
        refused = Unauthenticated("Missing or invalid bearer token.")
        if not token or len(token) > 200:
            raise refused
        try:
            api_token = self.load(ApiToken.id_for(token_hash(token)), ApiToken)
        except NotFound:
            raise refused from None
        if api_token.revoked:
            raise refused
        organization = self.load(api_token.organization_id, Organization)
        role = organization.role_of(api_token.user_id)
        if role is None:
            raise refused
        return Principal(api_token.user_id, organization.id, role, api_token.id)
