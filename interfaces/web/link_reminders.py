"""One link's due date and reminders on the customer page: a new due date (the
reminders follow it), and the schedule the link follows (the office's, its own, or
none). `POST /links/{id}/reminders`; a refusal is shown beside the form."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.upload_links import KEEP, Keep, UploadLinks
from domain.upload_link import LinkNotActive
from interfaces.web.days import day_field, form_day
from interfaces.web.document_templates import schedule_days, whole
from interfaces.web.form_post import FormPost, Problems
from interfaces.web.links import link_card
from interfaces.web.pages import PAGE_EXCEPTION_HANDLERS, field

#: How a link is reminded: by the office's schedule, by its own, or not at all.
MODES = ("organization", "own", "off")
_PREFIX = "reminders.schedule."


class LinkReminderPages(Controller):
    path = "/links/{link_id:uuid}/reminders"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @post("/", sync_to_thread=True)
    def save(
        self,
        form: NamedDependency[FormPost],
        links: NamedDependency[UploadLinks],
        link_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        values = {
            name: field(data, name)
            for name in ("due_at", "mode", "days_before", "every_days_after", "max_count")
        }
        card = link_card(form, links, link_id, "reminders", values, alert_at="due_at")

        def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
            found = {name.removeprefix(_PREFIX): text for name, text in (errors or {}).items()}
            return card.again(errors=found, alert=alert, status_code=status_code)

        raw = values["due_at"]

        def due_at() -> datetime | Keep | None:
            """The day typed, or KEEP for the one shown (kept to the minute)."""
            if raw.strip() == form_day(card.link.due_at, card.zone):
                return KEEP
            return day_field(raw, "due_at", card.zone)

        mode = values["mode"] if values["mode"] in MODES else "organization"
        schedule: object = None
        if mode == "own":
            schedule = {
                "days_before": schedule_days(values["days_before"]),
                "every_days_after": whole(values["every_days_after"]),
                "max_count": whole(values["max_count"]),
            }
        return form.run(
            lambda: links.change(
                form.principal,
                link_id,
                due_at=due_at(),
                reminders_enabled=mode != "off",
                schedule=schedule if mode != "off" else KEEP,
            ),
            again=again,
            alerts=(LinkNotActive,),
            then=lambda _: card.back("saved"),
        )
