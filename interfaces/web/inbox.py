"""`/inbox`: the member's notices, newest first; opening one marks it read and leads to the
customer; "mark all as read"."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from application.errors import NotFound
from interfaces.web.inbox_texts import INBOX_TEXTS
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
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
    def read_all(self, staff_page: NamedDependency[StaffPage]) -> Redirect:
        staff_page.wrote(staff_page.app.inbox.read(staff_page.principal, None))
        return see_other("/inbox", done="read")

    @post("/{notice_id:uuid}/open", sync_to_thread=True)
    def open_notice(
        self, staff_page: NamedDependency[StaffPage], notice_id: FromPath[UUID]
    ) -> Redirect:
        """Mark the notice read and go to its customer."""
        inbox, principal = staff_page.app.inbox, staff_page.principal
        found = next((n for n in inbox.notices(principal, 500) if n.id == notice_id), None)
        if found is None:
            raise NotFound(f"No notice with id {notice_id}.")
        staff_page.wrote(inbox.read(principal, [notice_id]))
        return see_other(f"/customers/{found.customer_id}")
