"""The customer overview (search, status filter, sort, pages) and the new-customer form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from application.permissions import Action, authorize
from domain.errors import InvalidValue, PlanLimitReached
from domain.values import text_value
from infrastructure.bootstrap import Services
from interfaces.http.customers import QUERY_TEXT_MAX_LENGTH
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.form_post import FormPost, Problems
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    field,
    optional,
    page,
    see_other,
)
from projections.customer_list import CustomerPage

PAGE_SIZE = 25
STATUSES = ("open", "partial", "complete")
OVERDUE = "overdue"
#: The overview's sort choices and the customer list's sort keys behind them.
SORTS = {"name": "name", "created": "-created_at", "last_upload": "-last_upload_at"}
# Previous pages' cursors ride along in the URL (`trail`) so that "previous" works with
# keyset pages; beyond this many the oldest are dropped.
TRAIL_LIMIT = 100
FIRST_PAGE = "-"
FRAGMENT_HEADER = "x-fragment"


def _cursor_like(value: str) -> bool:
    """What could be one of our cursors; anything else starts from the first page."""
    return 0 < len(value) <= 2000 and value.isprintable()


class Listing:
    """The overview's query as the URL carries it, and the URLs of its pages and tabs."""

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        query = request.query_params
        # A control character (NUL for one) is no search: the page says so instead.
        self.q_refused = False
        try:
            self.q = (text_value(query.get("q"), "q", max_length=QUERY_TEXT_MAX_LENGTH) or "")[:200]
        except InvalidValue:
            self.q_refused, self.q = True, ""
        status = query.get("status")
        # "overdue" is a tab like the statuses, but a filter of its own.
        self.status = status if status in (*STATUSES, OVERDUE) else None
        sort = query.get("sort")
        self.sort = sort if sort in SORTS else "name"
        cursor = query.get("cursor") or ""
        self.cursor = cursor if _cursor_like(cursor) else None
        trail = (query.get("trail") or "").split(".")
        self.trail = [c for c in trail if _cursor_like(c)][-TRAIL_LIMIT:]

    def base(self, **overrides: str | None) -> dict[str, str]:
        params = {"q": self.q, "status": self.status, "sort": self.sort, **overrides}
        if params.get("sort") == "name":
            params.pop("sort")
        return {k: v for k, v in params.items() if v}

    def url(self, **params: str | None) -> str:
        query = urlencode(self.base(**params))
        return "/customers" + (f"?{query}" if query else "")

    def next_url(self, next_cursor: str | None) -> str | None:
        if next_cursor is None:
            return None
        trail = [*self.trail, self.cursor or FIRST_PAGE][-TRAIL_LIMIT:]
        return self.url(cursor=next_cursor, trail=".".join(trail))

    def previous_url(self) -> str | None:
        if not self.trail:
            return None
        previous = self.trail[-1]
        return self.url(
            cursor=None if previous == FIRST_PAGE else previous,
            trail=".".join(self.trail[:-1]) or None,
        )


class CustomerPages(Controller):
    """`/customers`: the overview and the form for a new customer."""

    path = "/customers"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def overview(self, staff_page: NamedDependency[StaffPage]) -> Template:
        """The list; with the `X-Fragment: results` header only its results part (live
        search replaces that part as the user types)."""
        request, services, principal = staff_page.request, staff_page.services, staff_page.principal
        listing = Listing(request)
        found = self._search(services, principal.organization_id, listing)
        # The tabs count what the search finds (every status: the tabs choose among them).
        q = listing.q or None
        counts = services.customer_list.status_counts(principal.organization_id, q=q)
        overdue = services.customer_list.overdue_count(principal.organization_id, q=q)
        first = len(listing.trail) * PAGE_SIZE + 1 if listing.cursor else 1
        context = {
            "listing": listing,
            "customers": found.items,
            "total": found.total,
            "total_capped": found.total_capped,
            "shown_from": first,
            "shown_to": first + len(found.items) - 1,
            "counts": {"all": sum(counts.values()), **counts, OVERDUE: overdue},
            "tabs": [(None, listing.url(status=None))]
            + [(s, listing.url(status=s)) for s in (*STATUSES, OVERDUE)],
            "next_url": listing.next_url(found.next_cursor),
            "previous_url": listing.previous_url() if listing.cursor else None,
            "first_url": listing.url() if listing.cursor else None,
            "sorts": list(SORTS),
            "filtered": bool(listing.q or listing.status),
            # At the plan's cap the list says so, before anyone opens the form.
            "organization": services.app.organization.get(principal),
        }
        fragment = request.headers.get(FRAGMENT_HEADER) == "results"
        template = "staff/_customer_results.html" if fragment else "staff/customers.html"
        status = 422 if listing.q_refused else 200
        return staff_page.render(template, context, status_code=status)

    @staticmethod
    def _search(services: Services, organization_id: Any, listing: Listing) -> CustomerPage:
        search = services.customer_list.search
        arguments: dict[str, Any] = {
            "q": listing.q or None,
            "status": None if listing.status == OVERDUE else listing.status,
            "overdue": listing.status == OVERDUE,
            "sort": SORTS[listing.sort],
            "limit": PAGE_SIZE,
        }
        try:
            return search(organization_id, cursor=listing.cursor, **arguments)
        except ValueError:
            # A cursor that is not ours (edited URL): start from the first page.
            listing.cursor, listing.trail = None, []
            return search(organization_id, **arguments)

    @get("/new", sync_to_thread=True)
    def new_customer(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        staff_session: NamedDependency[StaffSessionContext],
    ) -> Template:
        authorize(staff_session.principal, Action.MANAGE_CUSTOMERS)
        return self._form(request, services, staff_session, {}, {})

    @post("/new", sync_to_thread=True)
    def create_customer(
        self,
        form: NamedDependency[FormPost],
        services: NamedDependency[Services],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Create the customer and open its page; errors beside the fields, input kept."""
        values = {
            name: field(data, name) for name in ("name", "customer_number", "email", "company")
        }

        def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
            return self._form(
                form.request, services, form.staff_session, values, errors or {}, status_code, alert
            )

        return form.run(
            lambda: services.app.customers.create(
                form.principal,
                values["name"],
                optional(data, "email"),
                optional(data, "company"),
                optional(data, "customer_number"),
            ),
            again=again,
            then=lambda recorded: see_other(f"/customers/{recorded.id}", done="created"),
            alerts=(PlanLimitReached,),
        )

    @staticmethod
    def _form(
        request: Request[Any, Any, Any],
        services: Services,
        staff_session: StaffSessionContext,
        values: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
        alert: str | None = None,
    ) -> Template:
        return page(
            request,
            services,
            staff_session,
            "staff/customer_new.html",
            {
                "values": values,
                "errors": errors,
                "alert": alert,
                # At the plan's cap the page says so before anything is typed.
                "organization": services.app.organization.get(staff_session.principal),
            },
            status_code=status_code,
        )
