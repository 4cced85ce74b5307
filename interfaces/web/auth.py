"""Signing in and out of the staff pages, and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.accounts import LoginRateLimited
from application.errors import Unauthenticated
from application.staff_sessions import StaffSessions
from application.texts.languages import LANGUAGES
from interfaces.http.language import LANGUAGE_COOKIE, reader_language
from interfaces.http.sessions import (
    SessionCookie,
    StaffSessionContext,
    client_address,
    session_token_of,
)
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    field,
    public_page,
    safe_next,
    see_other,
)
from interfaces.web.texts import TEXTS

LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


class StaffAuthPages(Controller):
    """The sign-in page, sign-out, and the language switch of the page header."""

    path = "/"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect("/customers", status_code=303)

    @get("/login", sync_to_thread=True)
    def login_page(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[StaffSessions],
    ) -> Template | Redirect:
        """The sign-in form (straight on to the customers when already signed in)."""
        try:
            sessions.principal(session_token_of(request))
        except Unauthenticated:
            return login_form(request, next_path=request.query_params.get("next"))
        return Redirect(safe_next(request.query_params.get("next")), status_code=303)

    @post("/login", sync_to_thread=True)
    def login(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[StaffSessions],
        session_cookie: NamedDependency[SessionCookie],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Check e-mail and password; set the session cookie and go on where the user was."""
        email = field(data, "email")
        next_path = field(data, "next") or None
        lang = reader_language(request)
        try:
            started = sessions.start(email, field(data, "password"), client_address(request))
        except LoginRateLimited as limited:
            page = login_form(
                request, email=email, next_path=next_path, error=TEXTS[lang]["login_limited"]
            )
            page.status_code = 429
            page.headers.update(getattr(limited, "headers", {}) or {})
            return page
        except Unauthenticated:
            return login_form(
                request, email=email, next_path=next_path, error=TEXTS[lang]["login_failed"]
            )
        response = Redirect(safe_next(next_path), status_code=303)
        session_cookie.set(response, request, started.session_token)
        return response

    @post("/logout", sync_to_thread=True)
    def logout(
        self,
        request: Request[Any, Any, Any],
        sessions: NamedDependency[StaffSessions],
        session_cookie: NamedDependency[SessionCookie],
        staff_session: NamedDependency[StaffSessionContext],
    ) -> Redirect:
        """End the session (the form carries the CSRF token) and clear the cookie."""
        sessions.end(staff_session.session_token)
        response = see_other("/login", done="logged_out")
        session_cookie.clear(response, request)
        return response

    @get("/language/{lang:str}", sync_to_thread=False)
    def language(self, request: Request[Any, Any, Any], lang: FromPath[str]) -> Response[Any]:
        """Remember the reader's language in a cookie and go back to the page."""
        response = Redirect(safe_next(request.query_params.get("next")), status_code=303)
        if lang in LANGUAGES:
            response.set_cookie(
                LANGUAGE_COOKIE,
                lang,
                max_age=LANGUAGE_COOKIE_AGE,
                path="/",
                samesite="lax",
                httponly=True,
            )
        return response


def login_form(
    request: Request[Any, Any, Any],
    *,
    email: str = "",
    next_path: str | None = None,
    error: str | None = None,
) -> Template:
    return public_page(
        request,
        "staff/login.html",
        {"email": email, "next": safe_next(next_path), "error": error},
        status_code=401 if error else 200,
    )
