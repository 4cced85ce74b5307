"""`/inbox`: the member's notices, newest first; opening one marks it read and leads to the
customer; "mark all as read"."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from application.errors import NotFound
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.inbox_texts import INBOX_TEXTS
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    client_of,
    see_other,
)


class InboxPages(Controller):
    path = "/inbox"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def inbox(self, staff_page: NamedDependency[StaffPage]) -> Template:
        words = INBOX_TEXTS[staff_page.language]
        done = staff_page.request.query_params.get("done")
        return staff_page.render(
            "staff/inbox.html",
            {
                "notices": staff_page.app.inbox.notices(staff_page.principal),
                "notice": words["done_read"] if done == "read" else None,
            },
            section="inbox",
        )

    @post("/read", sync_to_thread=True)
    def read_all(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
    ) -> Redirect:
        position = services.app.inbox.read(staff_session.principal, None)
        consistency.wrote(client_of(staff_session.principal), position)
        return see_other("/inbox", done="read")

    @post("/{notice_id:uuid}/open", sync_to_thread=True)
    def open_notice(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        notice_id: FromPath[UUID],
    ) -> Redirect:
        """Mark the notice read and go to its customer."""
        principal = staff_session.principal
        found = next(
            (n for n in services.app.inbox.notices(principal, 500) if n.id == notice_id), None
        )
        if found is None:
            raise NotFound(f"No notice with id {notice_id}.")
        position = services.app.inbox.read(principal, [notice_id])
        consistency.wrote(client_of(principal), position)
        return see_other(f"/customers/{found.customer_id}")
