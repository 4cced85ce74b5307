"""Staff sessions for the web pages: the cookie, CSRF checks, and the sign-in endpoints.

The web pages use `provide_staff_session` (registered app-wide as the
`staff_session` dependency): it resolves the cookie to the member, and on every
unsafe request (POST, PUT, PATCH, DELETE) demands the session's CSRF token, in
the `X-CSRF-Token` header or, for HTML forms, the `csrf_token` form field.
The token is bound to the session (derived from its secret), so a page renders
it with `StaffSessionContext.csrf_token`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import JSONBody

from application.principal import Principal
from application.staff_sessions import StaffSessions, check_csrf, csrf_token_for
from domain.staff_session import SESSION_LIFETIME
from infrastructure.bootstrap import Services
from interfaces.http import team_schemas as schemas

SESSION_COOKIE = "docintake_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class StaffSessionContext:
    """The signed-in member of a web request, the session's cookie value and CSRF token."""

    principal: Principal
    session_token: str
    csrf_token: str


def client_address(request: Request[Any, Any, Any]) -> str | None:
    """The peer's address, which failed logins are counted by. Behind a reverse proxy this
    is the proxy unless the server is told to trust its forwarded headers."""
    return request.client.host if request.client else None


class SessionCookie:
    """The staff session's cookie as this service sets it (dependency `session_cookie`):
    `Secure` when the request came over TLS or the public URL is https (TLS ending at a
    proxy in front of us). A plain class: Litestar would validate a dataclass."""

    def __init__(self, public_url: str | None) -> None:
        self.public_url = public_url or ""

    def secure(self, request: Request[Any, Any, Any]) -> bool:
        return request.url.scheme == "https" or self.public_url.startswith("https://")

    def set(
        self, response: Response[Any], request: Request[Any, Any, Any], session_token: str
    ) -> None:
        set_session_cookie(response, session_token, secure=self.secure(request))

    def clear(self, response: Response[Any], request: Request[Any, Any, Any]) -> None:
        clear_session_cookie(response, secure=self.secure(request))


def provide_session_cookie(state: State) -> SessionCookie:
    services: Services = state.services
    return SessionCookie(services.settings.public_url)


def set_session_cookie(response: Response[Any], session_token: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=secure,
        samesite="lax",
    )


def clear_session_cookie(response: Response[Any], *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, "", max_age=0, path="/", httponly=True, secure=secure, samesite="lax"
    )


def session_token_of(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def submitted_csrf_token(request: Request[Any, Any, Any]) -> str | None:
    """The CSRF token the request carries: the header, or the form field of an HTML form."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type, _ = request.content_type
    if content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
        # Litestar keeps the parsed form, so the handler can still read it.
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def provide_staff_session(
    request: Request[Any, Any, Any], state: State
) -> StaffSessionContext:
    """The session cookie's member (401 without a live session); unsafe methods also need
    the session's CSRF token (403 `csrf_failed`)."""
    services: Services = state.services
    session_token = session_token_of(request)
    principal = await anyio.to_thread.run_sync(services.app.sessions.principal, session_token)
    assert session_token is not None
    if request.method.upper() not in SAFE_METHODS:
        check_csrf(session_token, await submitted_csrf_token(request))
    return StaffSessionContext(principal, session_token, csrf_token_for(session_token))


def session_body(principal: Principal, csrf_token: str) -> schemas.Session:
    return schemas.Session(
        user_id=str(principal.user_id),
        organization_id=str(principal.organization_id),
        role=principal.role.value,
        csrf_token=csrf_token,
    )


class SessionController(Controller):
    """Sign in and out of the web pages, as JSON (the HTML sign-in page builds on it)."""

    path = "/api/v1/sessions"
    tags = ["accounts"]
    security = [{}]

    @post("/", status_code=201, sync_to_thread=True)
    def sign_in(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[StaffSessions],
        session_cookie: NamedDependency[SessionCookie],
        data: JSONBody[schemas.SessionRequest],
    ) -> Response[schemas.Session]:
        """Sign in with e-mail and password: sets the session cookie, returns the CSRF token."""
        started = sessions.start(data.email, data.password, client_address(request))
        principal = sessions.principal(started.session_token)
        response = Response(session_body(principal, started.csrf_token), status_code=201)
        session_cookie.set(response, request, started.session_token)
        return response

    @get("/current")
    async def current(self, staff_session: NamedDependency[StaffSessionContext]) -> schemas.Session:
        """The member the session cookie speaks for (401 once it has ended)."""
        return session_body(staff_session.principal, staff_session.csrf_token)

    @delete("/current", status_code=204)
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[StaffSessions],
        session_cookie: NamedDependency[SessionCookie],
        staff_session: NamedDependency[StaffSessionContext],
    ) -> Response[None]:
        """End the session (needs the CSRF token) and clear the cookie."""
        await anyio.to_thread.run_sync(sessions.end, staff_session.session_token)
        response: Response[None] = Response(None, status_code=204)
        session_cookie.clear(response, request)
        return response
