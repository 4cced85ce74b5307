"""What every staff page shares: the page frame's context, redirects, refusals as pages.

The pages call the application and the read models directly (never our own JSON
API). Each page waits for the read models to show the session's own writes
(`ReadYourWrites`, keyed by the session's id), so a form post followed by its
redirect shows what the post changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template

from application.errors import Unauthenticated
from application.permissions import Action, may
from application.principal import Principal
from application.texts.catalogue import error_text, problems_text, refusal_text
from application.texts.formats import Formats
from application.texts.languages import other_language
from domain.errors import DomainError, InvalidValue
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites, Written, client_of
from interfaces.http.errors import STATUS_BY_CODE, STATUS_BY_ERROR
from interfaces.http.language import reader_language
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.inbox_texts import INBOX_TEXTS
from interfaces.web.texts import TEXTS

log = logging.getLogger(__name__)

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Customer data: never kept by a shared cache or the browser's back-forward store.
    "Cache-Control": "no-store",
}

# What `?done=` may announce after a redirect (a key, never free text from the URL).
NOTICES = frozenset(key.removeprefix("done_") for key in TEXTS["de"] if key.startswith("done_"))

Form = Mapping[str, Any]


def field(data: Form, name: str) -> str:
    """One text field of a posted form ('' when missing; the last value when repeated)."""
    value = data.get(name)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def optional(data: Form, name: str) -> str | None:
    """A text field, or None when it was left empty (the application's 'not given')."""
    text = field(data, name).strip()
    return text or None


def problems_of(invalid: InvalidValue, lang: str) -> dict[str, str]:
    """Each field's problem in the reader's language (the catalogue's words)."""
    return problems_text(invalid, lang)


def safe_next(target: str | None, default: str = "/customers") -> str:
    """A local path to go on to: never another site (`//host`, `https:`) nor a header."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


def see_other(path: str, done: str | None = None, anchor: str | None = None) -> Redirect:
    """After a successful post: 303 to the page that shows the result."""
    target = path + (f"?{urlencode({'done': done})}" if done else "")
    if anchor:
        target += f"#{anchor}"
    return Redirect(target, status_code=303, headers={"Cache-Control": "no-store"})


def permissions_of(principal: Principal) -> dict[str, bool]:
    """What the templates may offer: `can.manage_customers`, ... (hidden when False)."""
    return {action.value: may(principal, action) for action in Action}


def page(
    request: Request[Any, Any, Any],
    services: Services,
    session: StaffSessionContext,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    fresh: bool = True,
    section: str = "customers",
) -> Template:
    """A staff page inside the frame: navigation, language switch, sign-out form."""
    lang = reader_language(request)
    principal = session.principal
    me = services.app.members.get(principal, principal.user_id)
    face = services.app.links.organization_face(principal.organization_id)
    done = request.query_params.get("done")
    frame = {
        "t": TEXTS[lang],
        "lang": lang,
        "other_lang": other_language(lang),
        "fmt": Formats(lang, face.time_zone, never=TEXTS[lang]["never"]),
        "signed_in": True,
        "csrf_token": session.csrf_token,
        "can": permissions_of(principal),
        "me": me.name or me.email,
        "me_id": str(principal.user_id),
        "section": section,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "notice": TEXTS[lang][f"done_{done}"] if done in NOTICES else None,
        "stale": not fresh,
        "inbox_unread": services.app.inbox.unread(principal),
        "inbox_words": INBOX_TEXTS[lang],
    }
    return Template(
        template_name=template,
        context={**frame, **context},
        status_code=status_code,
        headers=PAGE_HEADERS,
    )


class StaffPage:
    """A staff page of one request, inside the frame (the dependency `staff_page`; a form
    post's page shown again is `FormPost.page`).

    A page (GET) has waited for the read models to show the session's own writes by the
    time its handler gets this; `fresh` says whether they did, and the frame says so.
    A post remembers what it recorded with `wrote`, so the page it leads to waits for it.
    A plain class on purpose: Litestar would try to validate a dataclass dependency.
    """

    def __init__(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        session: StaffSessionContext,
        consistency: ReadYourWrites,
        *,
        fresh: bool = True,
    ) -> None:
        self.request = request
        self._consistency = consistency
        self.services = services
        self.app = services.app
        self.session = session
        self.principal = session.principal
        self.language = reader_language(request)
        self.fresh = fresh

    def wrote(self, written: Written) -> None:
        """Remember the session's write: its next page waits for it."""
        position = written.position
        self._consistency.wrote(client_of(self.principal), position)

    def render(
        self,
        template: str,
        context: dict[str, Any],
        *,
        status_code: int = 200,
        section: str = "customers",
    ) -> Template:
        return page(
            self.request,
            self.services,
            self.session,
            template,
            context,
            status_code=status_code,
            fresh=self.fresh,
            section=section,
        )


async def provide_staff_page(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    consistency: NamedDependency[ReadYourWrites],
    staff_session: NamedDependency[StaffSessionContext],
) -> StaffPage:
    fresh = True
    if request.method == "GET":
        client = client_of(staff_session.principal)
        fresh = await anyio.to_thread.run_sync(consistency.wait, client)
    return StaffPage(request, services, staff_session, consistency, fresh=fresh)


def public_page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Template:
    """A page outside the signed-in frame (sign-in, refusals)."""
    lang = reader_language(request)
    done = request.query_params.get("done")
    frame = {
        "t": TEXTS[lang],
        "lang": lang,
        "other_lang": other_language(lang),
        "fmt": Formats(lang, never=TEXTS[lang]["never"]),
        "signed_in": False,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "notice": TEXTS[lang][f"done_{done}"] if done in NOTICES else None,
    }
    return Template(
        template_name=template,
        context={**frame, **context},
        status_code=status_code,
        headers=PAGE_HEADERS,
    )


def status_of(error: DomainError) -> int:
    for kind, status in STATUS_BY_ERROR.items():
        if isinstance(error, kind):
            return status
    return STATUS_BY_CODE.get(error.code, 400)


def error_page(request: Request[Any, Any, Any], status: int, message: str) -> Template:
    return public_page(
        request,
        "staff/error.html",
        {"message": message, "status": status},
        status_code=status,
    )


def to_login(request: Request[Any, Any, Any]) -> Redirect:
    """Not signed in (or the session ended): to the sign-in page, and back here after it."""
    if request.method.upper() == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        # A form posted after the session ended: back to the page that had the form.
        referer = urlsplit(request.headers.get("referer", ""))
        same_site = referer.netloc == request.url.netloc
        here = (referer.path + (f"?{referer.query}" if referer.query else "")) if same_site else ""
    if here in {"", "/", "/login"}:
        return Redirect("/login", status_code=303, headers={"Cache-Control": "no-store"})
    target = f"/login?{urlencode({'next': here})}"
    return Redirect(target, status_code=303, headers={"Cache-Control": "no-store"})


def domain_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A refusal of the application as a page (sign-in wanted: a redirect to it)."""
    assert isinstance(error, DomainError)
    if isinstance(error, Unauthenticated):
        return to_login(request)
    return error_page(request, status_of(error), error_text(error, reader_language(request)))


def http_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    assert isinstance(error, HTTPException)
    status = error.status_code
    code = {404: "not_found", 403: "forbidden", 413: "request_too_large"}.get(status)
    if status in {400, 422}:
        code = "validation_failed"
    return error_page(
        request, status, refusal_text(code or "internal_error", reader_language(request))
    )


def internal_error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    handler = request.scope.get("route_handler")
    log.exception("unhandled error in %s %s", request.method, handler, exc_info=error)
    return error_page(request, 500, refusal_text("internal_error", reader_language(request)))


#: Controllers of the staff pages answer refusals with pages, not JSON.
PAGE_EXCEPTION_HANDLERS: MutableMapping[
    int | type[Exception], Callable[[Request[Any, Any, Any], Any], Response[Any]]
] = {
    DomainError: domain_error_page,
    HTTPException: http_error_page,
    Exception: internal_error_page,
}
