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

from application.permissions import Action, authorize
from application.texts.formats import time_zone
from application.upload_links import KEEP, Keep, UploadLinks
from domain.errors import InvalidValue, problem
from domain.upload_link import LinkNotActive
from interfaces.web.customer_detail import detail_again
from interfaces.web.document_templates import schedule_days, whole
from interfaces.web.form_post import FormPost, Problems
from interfaces.web.links import local_end_of_day
from interfaces.web.pages import PAGE_EXCEPTION_HANDLERS, field, problems_of, see_other

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
        principal = form.principal
        # The role first: a viewer learns nothing of which links exist.
        authorize(principal, Action.MANAGE_LINKS)
        link = links.get(principal, link_id)
        zone = links.organization_face(principal.organization_id).time_zone
        values = {
            name: field(data, name)
            for name in ("due_at", "mode", "days_before", "every_days_after", "max_count")
        }
        on_page = detail_again(form, link.customer_id, f"reminders:{link_id}", values)

        def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
            found = {name.removeprefix(_PREFIX): text for name, text in (errors or {}).items()} or (
                {"due_at": alert} if alert else {}
            )
            return on_page(errors=found, alert=None, status_code=status_code)

        raw = values["due_at"].strip()
        current = link.due_at.astimezone(time_zone(zone)).date().isoformat() if link.due_at else ""
        due_at: datetime | Keep | None = KEEP
        if raw != current:
            try:
                due_at = local_end_of_day(raw, zone) if raw else None
            except ValueError:
                invalid = InvalidValue.single("due_at", problem("invalid_date", "is not a date"))
                return again(
                    errors=problems_of(invalid, form.language), alert=None, status_code=422
                )
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
                principal,
                link_id,
                due_at=due_at,
                reminders_enabled=mode != "off",
                schedule=schedule if mode != "off" else KEEP,
            ),
            again=again,
            alerts=(LinkNotActive,),
            then=lambda _: see_other(
                f"/customers/{link.customer_id}", done="saved", anchor=f"link-{link_id}"
            ),
        )
