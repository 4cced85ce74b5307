"""API tokens of the signed-in user: issue (secret shown once), list, revoke."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.api_tokens import token_name
from application.principal import Principal
from infrastructure.bootstrap import Services
from interfaces.http import team_schemas as schemas
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.organization import wrote


class TokenController(Controller):
    path = "/api/v1/tokens"
    tags = ["accounts"]

    @post("/", status_code=201, sync_to_thread=True)
    def create_token(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.TokenRequest],
    ) -> Response[schemas.IssuedToken]:
        """A named token for an integration; the secret is in this answer only."""
        issued = services.app.api_tokens.create(principal, token_name(data.name))
        view = services.app.api_tokens.get(principal, issued.token_id)
        body = schemas.IssuedToken(
            id=str(view.id), name=view.name, token=issued.token, created_at=view.created_at
        )
        return Response(
            body, status_code=201, headers=wrote(consistency, principal, issued.position)
        )

    @get("/", sync_to_thread=True)
    def list_tokens(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> schemas.TokenList:
        """The caller's live tokens, without secrets."""
        return schemas.TokenList(
            items=[
                schemas.Token(id=str(view.id), name=view.name, created_at=view.created_at)
                for view in services.app.api_tokens.live(principal)
            ]
        )

    @delete("/{token_id:uuid}", status_code=204, sync_to_thread=True)
    def revoke_token(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        principal: NamedDependency[Principal],
        token_id: FromPath[UUID],
    ) -> Response[None]:
        """Revoke one of the caller's tokens; it is refused from the next request on."""
        recorded = services.app.api_tokens.revoke(principal, token_id)
        headers = wrote(consistency, principal, recorded.position)
        return Response(None, status_code=204, headers=headers)
