"""API tokens per user for integrations: issue (the secret is shown once), list, revoke."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.accounts import IssuedToken
from application.command import Context, Recorded, command
from application.errors import NotFound
from application.permissions import Action, authorize
from application.principal import Principal
from domain.user import ApiToken, User
from domain.values import text_value

TOKEN_NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class TokenView:
    """A token as listed: never its secret."""

    id: UUID
    name: str
    created_at: datetime


def token_name(value: object, field: str = "name") -> str:
    name = text_value(value, field, max_length=TOKEN_NAME_MAX_LENGTH, required=True)
    assert name is not None
    return name


class ApiTokens(Context):
    """A member's own API tokens for integrations: issue, list, revoke."""

    @command(Action.MANAGE_OWN_TOKENS)
    def create(self, principal: Principal, name: str) -> IssuedToken:
        """A named API token acting as the principal (with their role, now and later)."""
        return self.app.accounts.issue_token(
            principal.user_id, principal.organization_id, name, principal.user_id
        )

    def live(self, principal: Principal) -> list[TokenView]:
        """The principal's live tokens, oldest first, without secrets."""
        authorize(principal, Action.MANAGE_OWN_TOKENS)
        user = self.app.load(principal.user_id, User)
        views = [
            TokenView(UUID(hex=key), entry["name"], datetime.fromisoformat(entry["created_at"]))
            for key, entry in user.tokens.items()
        ]
        return sorted(views, key=lambda view: view.created_at)

    def get(self, principal: Principal, token_id: UUID) -> TokenView:
        for view in self.live(principal):
            if view.id == token_id:
                return view
        raise NotFound(f"No token with id {token_id}.")

    @command(Action.MANAGE_OWN_TOKENS)
    def revoke(self, principal: Principal, token_id: UUID) -> Recorded:
        """Revoke one of the principal's own tokens; it is refused from the next request on.

        Another user's token (in this organisation or another) is `not_found`.
        """
        user = self.app.load(principal.user_id, User)
        if token_id.hex not in user.tokens:
            raise NotFound(f"No token with id {token_id}.")
        api_token = self.app.load(token_id, ApiToken)
        api_token.revoke(principal.user_id)
        user.remove_token(token_id, principal.user_id)
        return Recorded(token_id, self.app.record(user, api_token))
