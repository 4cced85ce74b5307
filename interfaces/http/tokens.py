"""API tokens of the signed-in user: issue (secret shown once), list, revoke."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.api_tokens import ApiTokens, token_name
from application.principal import Principal
from interfaces.http import team_schemas as schemas
from interfaces.http.consistency import Reads


class TokenController(Controller):
    path = "/api/v1/tokens"
    tags = ["accounts"]

    @post("/", status_code=201, sync_to_thread=True)
    def create_token(
        self,
        api_tokens: NamedDependency[ApiTokens],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.TokenRequest],
    ) -> Response[schemas.IssuedToken]:
        """A named token for an integration; the secret is in this answer only."""
        issued = api_tokens.create(principal, token_name(data.name))
        view = api_tokens.get(principal, issued.token_id)
        body = schemas.IssuedToken(
            id=str(view.id), name=view.name, token=issued.token, created_at=view.created_at
        )
        return reads.recorded(issued, body, status_code=201)

    @get("/", sync_to_thread=True)
    def list_tokens(
        self, api_tokens: NamedDependency[ApiTokens], principal: NamedDependency[Principal]
    ) -> schemas.TokenList:
        """The caller's live tokens, without secrets."""
        return schemas.TokenList(
            items=[
                schemas.Token(id=str(view.id), name=view.name, created_at=view.created_at)
                for view in api_tokens.live(principal)
            ]
        )

    @delete("/{token_id:uuid}", status_code=204, sync_to_thread=True)
    def revoke_token(
        self,
        api_tokens: NamedDependency[ApiTokens],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        token_id: FromPath[UUID],
    ) -> Response[None]:
        """Revoke one of the caller's tokens; it is refused from the next request on."""
        return reads.recorded(api_tokens.revoke(principal, token_id), None, status_code=204)
