"""Signing up and exchanging e-mail and password for a token."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from application.accounts import Accounts
from interfaces.http.schemas import CredentialsRequest, SignupRequest, SignupResponse, TokenResponse
from interfaces.http.sessions import client_address


class AccountController(Controller):
    path = "/api/v1"
    tags = ["accounts"]

    @post("/signup", status_code=201, sync_to_thread=True)
    def signup(
        self, accounts: NamedDependency[Accounts], data: JSONBody[SignupRequest]
    ) -> SignupResponse:
        """Create an organisation and its owner; returns a bearer token for the owner."""
        signed_up = accounts.sign_up(
            data.organization_name, data.email, data.password, data.plan, data.name
        )
        return SignupResponse(
            organization_id=str(signed_up.organization_id),
            user_id=str(signed_up.user_id),
            token=signed_up.token,
        )

    @post("/auth/token", status_code=200, sync_to_thread=True)
    def token(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[Accounts],
        data: JSONBody[CredentialsRequest],
    ) -> TokenResponse:
        """Exchange e-mail and password for a new bearer token (failed attempts are limited
        per account and per address: 429 with Retry-After)."""
        issued = accounts.sign_in(data.email, data.password, client_address=client_address(request))
        return TokenResponse(token=issued.token)
