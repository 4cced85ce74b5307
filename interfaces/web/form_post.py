"""The one shape of a staff form post.

Run the command; refused, show the page again with the problem beside its form and
the input kept (422; refusals named in `alerts` above the form, with their status);
done, remember the write for read-your-writes and send the browser on (303).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from litestar import Request
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from application.command import Recorded
from application.errors import Unauthenticated
from application.texts.catalogue import error_text
from domain.errors import DomainError, InvalidValue
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites, Written
from interfaces.http.language import reader_language
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.pages import StaffPage, problems_of, status_of

R = TypeVar("R", bound=Recorded)
#: The problems of one form, field by field (None: no form problems).
Problems = dict[str, str] | None


class PageAgain(Protocol):
    """The page the form stands on, rendered again: `errors` beside the form, or an
    `alert` above it, with `status_code`."""

    def __call__(self, *, errors: Problems, alert: str | None, status_code: int) -> Template: ...


class FormPost:
    """A staff form post of one request (a Litestar dependency: `form`)."""

    def __init__(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        consistency: ReadYourWrites,
        staff_session: StaffSessionContext,
    ) -> None:
        self.request = request
        self.services = services
        self.app = services.app
        self.consistency = consistency
        self.staff_session = staff_session
        self.principal = staff_session.principal
        self.language = reader_language(request)
        #: The page the form stands on, for showing it again.
        self.page = StaffPage(request, services, staff_session, consistency)

    def run(
        self,
        command: Callable[[], R],
        *,
        again: PageAgain,
        then: Callable[[R], Template | Redirect],
        alerts: tuple[type[DomainError], ...] = (),
    ) -> Template | Redirect:
        """`alerts`: the refusals shown above the form (others go to the error page)."""
        try:
            recorded = command()
        except InvalidValue as invalid:
            return again(errors=problems_of(invalid, self.language), alert=None, status_code=422)
        except Unauthenticated:
            raise
        except DomainError as refused:
            if not isinstance(refused, alerts):
                raise
            return again(
                errors=None,
                alert=error_text(refused, self.language),
                status_code=status_of(refused),
            )
        self.page.wrote(recorded)
        return then(recorded)

    def wrote(self, written: Written) -> None:
        """Remember a write made outside `run` (a post without a form to show again)."""
        self.page.wrote(written)


def provide_form_post(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    consistency: NamedDependency[ReadYourWrites],
    staff_session: NamedDependency[StaffSessionContext],
) -> FormPost:
    return FormPost(request, services, consistency, staff_session)
