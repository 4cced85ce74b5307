"""What handlers receive: the wired services, the authenticated principal, consistency."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from application.errors import Unauthenticated
from application.principal import Principal
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def provide_consistency(state: State) -> ReadYourWrites:
    consistency: ReadYourWrites = state.consistency
    return consistency


def provide_principal(request: Request[Any, Any, Any], state: State) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send Authorization: Bearer <token>.")
    services: Services = state.services
    return services.app.accounts.authenticate(token.strip())
