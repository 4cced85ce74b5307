"""The invitation page: the link in the invitation mail opens it; name and password, then
signed in. Used, expired and withdrawn invitations get a page that says so."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.errors import NotFound
from application.members import InvitationPreview, Members, joining_entries
from application.passwords import PASSWORD_MIN_LENGTH
from application.staff_sessions import StaffSessions
from application.texts.catalogue import problems_text, refusal_text
from application.texts.formats import Formats
from application.texts.words import role_name
from domain.errors import DomainError, InvalidValue
from interfaces.http.language import reader_language
from interfaces.http.sessions import SessionCookie, client_address
from interfaces.web.pages import PAGE_EXCEPTION_HANDLERS, field, public_page, see_other, status_of
from interfaces.web.texts import TEXTS

PAGE_HEADERS = {
    # The token is in the URL: it must not leak to other sites through Referer.
    "Referrer-Policy": "no-referrer",
}


class InvitationPages(Controller):
    path = "/invitations/{token:str}"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def invitation(
        self,
        request: Request[Any, Any, Any],
        members: NamedDependency[Members],
        token: FromPath[str],
    ) -> Template:
        """Who invites, for which role; the form to set name and password."""
        try:
            preview = members.invitation_preview(token)
        except DomainError as refused:
            return refused_page(request, refused)
        return invitation_form(request, preview, token)

    @post("/", sync_to_thread=True)
    def accept(
        self,
        request: Request[Any, Any, Any],
        members: NamedDependency[Members],
        sessions: NamedDependency[StaffSessions],
        session_cookie: NamedDependency[SessionCookie],
        token: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Join with the invitation's role, then signed in with a staff session."""
        name, password = field(data, "name"), field(data, "password")
        try:
            preview = members.invitation_preview(token)
        except DomainError as refused:
            return refused_page(request, refused)
        lang = reader_language(request)
        problems: dict[str, str] = {}
        if password != field(data, "password_repeat"):
            problems["password_repeat"] = TEXTS[lang]["passwords_differ"]
            # The name's and the password's problems too, not one refusal after another.
            problems.update(problems_text(InvalidValue(joining_entries(name, password)[1]), lang))
        try:
            if not problems:
                members.accept_invitation(token, name, password, with_api_token=False)
        except InvalidValue as invalid:
            problems.update(problems_text(invalid, lang))
        except DomainError as refused:
            return refused_page(request, refused)
        if problems:
            return invitation_form(request, preview, token, name=name, errors=problems)
        started = sessions.start(preview.email, password, client_address(request))
        response = see_other("/customers", done="joined")
        session_cookie.set(response, request, started.session_token)
        return response


def invitation_form(
    request: Request[Any, Any, Any],
    preview: InvitationPreview,
    token: str,
    *,
    name: str = "",
    errors: dict[str, str] | None = None,
) -> Template:
    lang = reader_language(request)
    fmt = Formats(lang, preview.time_zone)
    page = public_page(
        request,
        "staff/invitation.html",
        {
            "invitation": preview,
            "role": role_name(preview.role, lang),
            "expires": fmt.datetime(preview.expires_at),
            "password_min": PASSWORD_MIN_LENGTH,
            "action": f"/invitations/{token}",
            "name": name,
            "errors": errors or {},
        },
        status_code=422 if errors else 200,
    )
    page.headers.update(PAGE_HEADERS)
    return page


def refused_page(request: Request[Any, Any, Any], refused: DomainError) -> Template:
    """Unknown, used, expired or withdrawn: what happened and what to do, in words."""
    lang = reader_language(request)
    code = "invitation_unknown" if isinstance(refused, NotFound) else refused.code
    page = public_page(
        request,
        "staff/error.html",
        {
            "message": refusal_text(code, lang, refused.params),
            "status": status_of(refused),
            "title": TEXTS[lang]["invitation_title"],
        },
        status_code=status_of(refused),
    )
    page.headers.update(PAGE_HEADERS)
    return page
