"""Upload links from the staff pages: the new-link form, the created link (copy, send by
e-mail), revoke and unlock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from application.errors import NotFound
from application.permissions import Action, authorize
from application.upload_links import UploadLinks
from domain.upload_link import LinkNotActive, UploadLink
from infrastructure.bootstrap import Services
from interfaces.http.language import reader_language
from interfaces.http.sessions import StaffSessionContext
from interfaces.web.customer_detail import ExpiryDates, detail_again
from interfaces.web.days import day_field
from interfaces.web.form_post import FormPost, PageAgain, Problems
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    field,
    optional,
    page,
    see_other,
)
from projections.activity_texts import schedule_words

MEGABYTE = 1024 * 1024
#: The file-type choices of the form and the MIME types behind them.
TYPE_CHOICES = {"type_pdf": "application/pdf", "type_images": "image/*"}
LINK_FIELDS = (
    *("title", "message", "expires_at", "max_files", "max_file_size", "password"),
    *("due_at", "template_id"),
)


@dataclass(frozen=True)
class LinkCard:
    """A form on one link's card of the customer page, being handled."""

    link: UploadLink
    #: The organisation's time zone, where the card's days are.
    zone: str
    #: The customer's page again after a refusal, the input kept at the card's form.
    again: PageAgain

    def back(self, done: str) -> Redirect:
        """To the link's card, saying what was `done`."""
        return see_other(
            f"/customers/{self.link.customer_id}", done=done, anchor=f"link-{self.link.id}"
        )


def link_card(
    form: FormPost,
    links: UploadLinks,
    link_id: UUID,
    section: str,
    values: dict[str, str],
    *,
    alert_at: str,
) -> LinkCard:
    """The link of a form on its card (`section`: which form) for a member who may change
    links; a refusal of the whole step (the link changed meanwhile) is shown at the field
    `alert_at`."""
    # The role first: a viewer learns nothing of which links exist.
    authorize(form.principal, Action.MANAGE_LINKS)
    link = links.get(form.principal, link_id)
    zone = links.organization_face(form.principal.organization_id).time_zone
    on_page = detail_again(form, link.customer_id, f"{section}:{link_id}", values)

    def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
        found = errors or ({alert_at: alert} if alert else {})
        return on_page(errors=found, alert=None, status_code=status_code)

    return LinkCard(link, zone, again)


def whole_number(raw: str) -> object:
    """A number field: an int, None when empty, else the text (the application refuses it
    with its own words)."""
    text = raw.strip()
    if not text:
        return None
    return int(text) if text.isdigit() else text


def megabytes(raw: str) -> object:
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        return max(0, round(float(text) * MEGABYTE))
    except ValueError:
        return text


class LinkPages(Controller):
    """`/customers/{id}/links/new` and `/links/{id}`."""

    path = "/"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/customers/{customer_id:uuid}/links/new", sync_to_thread=True)
    def new_link(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
    ) -> Template:
        authorize(staff_session.principal, Action.MANAGE_LINKS)
        days = self._days(services.app.links, staff_session)
        values: dict[str, Any] = {"expires_at": days.reactivate, "reminders": True}
        chosen = request.query_params.get("template")
        if chosen:
            # The template's documents fill the list, which stays editable.
            try:
                template = services.app.templates.get(staff_session.principal, UUID(chosen))
            except (ValueError, NotFound):
                template = None
            if template is not None:
                values["template_id"] = chosen
                values["requested_items"] = "\n".join(i["label"] for i in template["items"])
                values["title"] = template["name"]
        return self._form(request, services, staff_session, customer_id, values, {})

    @post("/customers/{customer_id:uuid}/links/new", sync_to_thread=True)
    def create_link(
        self,
        form: NamedDependency[FormPost],
        services: NamedDependency[Services],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Create the link, then show it with its copy button and the e-mail form."""
        request, staff_session, principal = form.request, form.staff_session, form.principal
        values: dict[str, Any] = {name: field(data, name) for name in LINK_FIELDS}
        values["requested_items"] = field(data, "requested_items")
        values.update({name: bool(field(data, name)) for name in TYPE_CHOICES})
        values["reminders"] = bool(field(data, "reminders"))
        # A password is never sent back into the page.
        values["password"] = ""
        zone = services.app.links.organization_face(principal.organization_id).time_zone
        items: list[Any] = [line.strip() for line in field(data, "requested_items").splitlines()]
        template_id = None
        if field(data, "template_id"):
            try:
                template_id = UUID(field(data, "template_id"))
                hints = {
                    i["label"]: i
                    for i in services.app.templates.get(principal, template_id)["items"]
                }
            except (ValueError, NotFound):
                template_id, hints = None, {}
            # A line kept from the template keeps its hint for the client.
            items = [hints.get(item, item) for item in items]

        def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
            return self._form(
                request, services, staff_session, customer_id, values, errors or {}, status_code
            )

        return form.run(
            lambda: services.app.links.create(
                principal,
                customer_id,
                title=optional(data, "title"),
                message=optional(data, "message"),
                expires_at=day_field(field(data, "expires_at"), "expires_at", zone),
                max_file_size=megabytes(field(data, "max_file_size")),
                max_files=whole_number(field(data, "max_files")),
                allowed_types_value=[t for name, t in TYPE_CHOICES.items() if field(data, name)],
                password=field(data, "password") or None,
                requested_items_value=[item for item in items if item],
                due_at=day_field(field(data, "due_at"), "due_at", zone),
                reminders_enabled=values["reminders"],
                template_id=template_id,
            ),
            again=again,
            then=lambda recorded: see_other(f"/links/{recorded.id}"),
        )

    def _form(
        self,
        request: Request[Any, Any, Any],
        services: Services,
        staff_session: StaffSessionContext,
        customer_id: UUID,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        customer = services.app.customer_of(staff_session.principal, customer_id)
        templates = services.app.templates.all(staff_session.principal).templates
        days = self._days(services.app.links, staff_session)
        organization = services.app.organization.get(staff_session.principal)
        lang = reader_language(request)
        return page(
            request,
            services,
            staff_session,
            "staff/link_new.html",
            {
                "customer": customer,
                "templates": sorted(
                    ((key, t["name"]) for key, t in templates.items()),
                    key=lambda pair: pair[1].casefold(),
                ),
                "values": values,
                "errors": errors,
                "max_size": services.settings.max_upload_size,
                "today": days.earliest,
                "latest": days.latest,
                # The switch names the schedule in force; with the organisation's reminders
                # off there is none to switch on.
                "reminder_plan": schedule_words(organization.reminder_schedule.to_plain(), lang)
                if organization.reminders_on
                else None,
            },
            status_code=status_code,
        )

    @staticmethod
    def _days(links: UploadLinks, staff_session: StaffSessionContext) -> ExpiryDates:
        """The days the form offers, where the organisation is (a new link's default expiry
        is the one a reactivated link gets)."""
        face = links.organization_face(staff_session.principal.organization_id)
        return ExpiryDates(datetime.now(UTC), face.time_zone)

    @get("/links/{link_id:uuid}", sync_to_thread=True)
    def created(self, staff_page: NamedDependency[StaffPage], link_id: FromPath[UUID]) -> Template:
        """The link with its copy button and the "send by e-mail" form."""
        return self._link_page(staff_page, link_id, {}, {})

    def _link_page(
        self,
        frame: StaffPage,
        link_id: UUID,
        values: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        link = frame.app.links.get(frame.principal, link_id)
        customer = frame.app.customer_of(frame.principal, link.customer_id)
        return frame.render(
            "staff/link_created.html",
            {
                "link": link,
                "status": link.status(datetime.now(UTC)),
                "url": frame.app.links.url(link),
                "customer": customer,
                "values": {"to": customer.email or "", **values},
                "errors": errors,
            },
            status_code=status_code,
        )

    @post("/links/{link_id:uuid}/send", sync_to_thread=True)
    def send(
        self,
        form: NamedDependency[FormPost],
        links: NamedDependency[UploadLinks],
        link_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Queue the e-mail to the given address or the customer's; back where it came from."""
        values = {"to": field(data, "to"), "message": field(data, "message")}

        def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
            return self._link_page(form.page, link_id, values, errors or {}, 422)

        return form.run(
            lambda: links.request_send(
                form.principal, link_id, optional(data, "to"), optional(data, "message")
            ),
            again=again,
            then=lambda _: self._back(
                links, form.staff_session, link_id, field(data, "back"), "link_sent"
            ),
        )

    @post("/links/{link_id:uuid}/revoke", sync_to_thread=True)
    def revoke(
        self,
        form: NamedDependency[FormPost],
        links: NamedDependency[UploadLinks],
        link_id: FromPath[UUID],
    ) -> Redirect:
        form.wrote(links.revoke(form.principal, link_id))
        return self._back(links, form.staff_session, link_id, "customer", "link_revoked")

    @post("/links/{link_id:uuid}/extend", sync_to_thread=True)
    def extend(
        self,
        form: NamedDependency[FormPost],
        links: NamedDependency[UploadLinks],
        link_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """A new, later expiry for an active link (the end of the chosen day)."""
        return self._new_expiry(form, links, link_id, data, "extend")

    @post("/links/{link_id:uuid}/reactivate", sync_to_thread=True)
    def reactivate(
        self,
        form: NamedDependency[FormPost],
        links: NamedDependency[UploadLinks],
        link_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """A revoked or expired link valid again, until the end of the chosen day."""
        return self._new_expiry(form, links, link_id, data, "reactivate")

    @staticmethod
    def _new_expiry(
        form: FormPost,
        links: UploadLinks,
        link_id: UUID,
        data: dict[str, Any],
        action: str,
    ) -> Template | Redirect:
        raw = field(data, "expires_at").strip()
        card = link_card(form, links, link_id, "expiry", {"expires_at": raw}, alert_at="expires_at")
        command = links.extend if action == "extend" else links.reactivate
        return form.run(
            lambda: command(form.principal, link_id, day_field(raw, "expires_at", card.zone)),
            again=card.again,
            alerts=(LinkNotActive,),
            then=lambda _: card.back("link_extended" if action == "extend" else "link_reactivated"),
        )

    @post("/links/{link_id:uuid}/unlock", sync_to_thread=True)
    def unlock(
        self,
        form: NamedDependency[FormPost],
        links: NamedDependency[UploadLinks],
        link_id: FromPath[UUID],
    ) -> Redirect:
        form.wrote(links.unlock(form.principal, link_id))
        return self._back(links, form.staff_session, link_id, "customer", "link_unlocked")

    @staticmethod
    def _back(
        links: UploadLinks, staff_session: StaffSessionContext, link_id: UUID, back: str, done: str
    ) -> Redirect:
        if back == "link":
            return see_other(f"/links/{link_id}", done=done)
        link = links.get(staff_session.principal, link_id)
        return see_other(f"/customers/{link.customer_id}", done=done, anchor=f"link-{link_id}")
