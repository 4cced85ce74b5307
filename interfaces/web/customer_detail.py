"""The customer detail page and its forms: details, status, notes, review, sent files,
deletion with confirmation."""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Stream, Template

from application.customers import CustomerCommands, moderates_notes
from application.file_previews import PREVIEW_IMAGE_TYPES, file_preview
from application.files import ReceivedFiles
from application.permissions import Action, authorize
from application.principal import Principal
from application.staff_sessions import check_csrf, csrf_token_for
from application.staging import FileTooLarge
from application.texts.catalogue import error_text
from application.texts.formats import time_zone
from application.upload_links import DEFAULT_LIFETIME
from domain.errors import InvalidValue
from domain.received_file import ReviewState
from domain.upload_link import item_state_of
from domain.values import CustomerStatus
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.downloads import customer_export, file_stream, files_archive, zip_stream
from interfaces.http.multipart_upload import MultipartForm
from interfaces.http.presenters import ReminderSetting
from interfaces.http.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    StaffSessionContext,
    session_token_of,
)
from interfaces.http.sync import run_sync
from interfaces.request_values import value_for
from interfaces.web.form_post import FormPost, PageAgain, Problems
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    field,
    optional,
    problems_of,
    see_other,
)
from interfaces.web.reminder_view import link_reminder_view
from interfaces.web.template_texts import TEMPLATE_TEXTS
from projections.activity import ActivityPage
from projections.customer_detail import LinkRow

ACTIVITY_PAGE_SIZE = 20
RECENT_FILES = 5

Errors = dict[str, dict[str, str]]


def activity_page(
    services: Services, customer_id: UUID, cursor: str | None, lang: str, zone: str
) -> ActivityPage:
    try:
        return services.activity.page(
            customer_id, limit=ACTIVITY_PAGE_SIZE, cursor=cursor, lang=lang, zone=zone
        )
    except ValueError:
        # Not a cursor of ours (an edited URL): the newest entries instead.
        return services.activity.page(customer_id, limit=ACTIVITY_PAGE_SIZE, lang=lang, zone=zone)


def open_items(
    links: list[Any], files: Iterable[Any] = (), answered: Container[UUID] = frozenset()
) -> list[dict[str, Any]]:
    """Missing documents and open questions of the customer's active links: on a requested
    document, or on a file sent for none that the client has not answered yet."""
    found = []
    for link in links:
        for item in link.requested_items:
            state = item_state_of(item["received"], item.get("review"))
            if state in {"missing", "query"}:
                question = item.get("review", {}).get("question") if state == "query" else None
                found.append(
                    {"link": link.title, "label": item["label"], "state": state,
                     "question": question}
                )  # fmt: skip
    titles = {link.id: link.title for link in links}
    for f in files:
        loose_question = f.item_id is None and f.review_state == "query"
        if loose_question and f.link_id in titles and f.id not in answered:
            found.append(
                {"link": titles[f.link_id], "label": f.filename, "state": "query",
                 "question": f.review_comment}
            )  # fmt: skip
    return found


class ExpiryDates:
    """The dates the extend and reactivate forms offer, as days where the organisation is."""

    def __init__(self, now: datetime, zone: str) -> None:
        self.zone = time_zone(zone)
        today = now.astimezone(self.zone).date()
        self.earliest = today.isoformat()
        # The end of that day must stay within a year from now.
        self.latest = (today + timedelta(days=365)).isoformat()
        self.reactivate = (today + DEFAULT_LIFETIME).isoformat()
        self._latest = today + timedelta(days=365)

    def extend(self, expires_at: datetime) -> str:
        """A month past the link's current expiry, within the year."""
        later = expires_at.astimezone(self.zone).date() + DEFAULT_LIFETIME
        return min(later, self._latest).isoformat()


def detail_context(
    services: Services,
    principal: Principal,
    customer_id: UUID,
    lang: str,
    activity_cursor: str | None = None,
) -> dict[str, Any]:
    """Everything the detail page shows: the customer itself from its aggregate (always
    current), links, files and history from the read models."""
    customer = services.app.customer_of(principal, customer_id)
    links = services.customer_detail.links(customer_id)
    now = datetime.now(UTC)
    files = services.customer_detail.files(customer_id)
    answers = services.customer_detail.file_answers(customer_id)
    zone = services.app.links.organization_face(principal.organization_id).time_zone
    activity = activity_page(services, customer_id, activity_cursor, lang, zone)
    setting = ReminderSetting.of(services.app.organization.get(principal))
    return {
        "customer": customer,
        "notes": list(reversed(services.customer_detail.notes(customer_id))),
        # Admins and owners may change anyone's notes; others their own.
        "moderates_notes": moderates_notes(principal),
        "files": files,
        "recent_files": files[:RECENT_FILES],
        "sent_files": services.customer_detail.sent_files(customer_id),
        "links": [link for link in links if link.status_at(now) == "active"],
        # Not vanished: staff can see, extend the life of, or reactivate them.
        "closed_links": [link for link in links if link.status_at(now) != "active"],
        "expiry_dates": ExpiryDates(now, zone),
        "now": now,
        "open_items": open_items(
            [link for link in links if link.status_at(now) == "active"], files, answers
        ),
        "file_answers": answers,
        "file_names": {f.id: f.filename for f in files},
        "item_labels": {
            item["id"]: item["label"] for link in links for item in link.requested_items
        },
        "activity": activity,
        "activity_cursor": activity_cursor,
        "names": {
            str(k): v for k, v in services.app.members.names(principal.organization_id).items()
        },
        "base_url": services.app.base_url,
        "statuses": ("open", "partial", "complete"),
        "item_state": lambda item: item_state_of(item["received"], item.get("review")),
        "previewable_images": PREVIEW_IMAGE_TYPES,
        # A link's due date and reminders (interfaces/web/link_reminders.py).
        "tt": TEMPLATE_TEXTS[lang],
        "link_reminders": lambda link: link_reminder_view(link, setting, zone),
        "retention": services.retention.schedule(principal.organization_id, customer_id),
        "link_overdue": lambda link: link_overdue(link, now),
    }


def link_overdue(link: LinkRow, now: datetime) -> bool:
    """An active link past its due date with documents missing (the list's "Überfällig"):
    a requested document not received, or, asking for none, nothing uploaded."""
    if link.due_at is None or link.due_at > now:
        return False
    if link.requested_items:
        return any(int(item["received"]) <= 0 for item in link.requested_items)
    return link.upload_count == 0


def detail_page(
    frame: StaffPage,
    customer_id: UUID,
    *,
    errors: Errors | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Template:
    """The page, also re-rendered by a failed form with its errors and the input kept."""
    request = frame.request
    cursor = request.query_params.get("activity") if request.method == "GET" else None
    context = detail_context(frame.services, frame.principal, customer_id, frame.language, cursor)
    context.update({"errors": errors or {}, "values": values or {}})
    return frame.render("staff/customer.html", context, status_code=status_code)


def detail_again(
    form: FormPost,
    customer_id: UUID,
    section: str,
    values: dict[str, str],
) -> PageAgain:
    """The customer's page again after a refused form `section`, its input kept."""

    def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
        return detail_page(
            form.page,
            customer_id,
            errors={section: errors or {}},
            values={section: values},
            status_code=status_code,
        )

    return again


class CustomerDetailPages(Controller):
    """`/customers/{id}`: the page and the forms on it."""

    path = "/customers/{customer_id:uuid}"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def detail(
        self, staff_page: NamedDependency[StaffPage], customer_id: FromPath[UUID]
    ) -> Template:
        return detail_page(staff_page, customer_id)

    @post("/details", sync_to_thread=True)
    def change_details(
        self,
        form: NamedDependency[FormPost],
        customers: NamedDependency[CustomerCommands],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Change name, customer number, e-mail and company (empty clears all but the name)."""
        changes = {
            "name": field(data, "name"),
            "customer_number": optional(data, "customer_number"),
            "email": optional(data, "email"),
            "company": optional(data, "company"),
        }
        values = {name: field(data, name) for name in changes}
        return form.run(
            lambda: customers.change_details(form.principal, customer_id, changes),
            again=detail_again(form, customer_id, "details", values),
            then=lambda _: see_other(f"/customers/{customer_id}", done="saved"),
        )

    @post("/status", sync_to_thread=True)
    def set_status(
        self,
        form: NamedDependency[FormPost],
        customers: NamedDependency[CustomerCommands],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        set_status = customers.set_status
        status = value_for(set_status, form.principal, CustomerStatus.parse, field(data, "status"))
        form.wrote(set_status(form.principal, customer_id, status))
        return see_other(f"/customers/{customer_id}", done="status")

    @post("/notes", sync_to_thread=True)
    def add_note(
        self,
        form: NamedDependency[FormPost],
        customers: NamedDependency[CustomerCommands],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        text = field(data, "text")
        return form.run(
            lambda: customers.add_note(form.principal, customer_id, text),
            again=detail_again(form, customer_id, "note", {"text": text}),
            then=lambda _: see_other(f"/customers/{customer_id}", done="note", anchor="notes"),
        )

    @post("/notes/{note_id:uuid}/edit", sync_to_thread=True)
    def edit_note(
        self,
        form: NamedDependency[FormPost],
        customers: NamedDependency[CustomerCommands],
        customer_id: FromPath[UUID],
        note_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """New words for a note (its author, an admin or an owner)."""
        text = field(data, "text")
        section = f"note:{note_id}"
        return form.run(
            lambda: customers.edit_note(form.principal, customer_id, note_id, text),
            again=detail_again(form, customer_id, section, {"text": text}),
            then=lambda _: see_other(
                f"/customers/{customer_id}", done="note_edited", anchor=f"note-{note_id}"
            ),
        )

    @post("/notes/{note_id:uuid}/delete", sync_to_thread=True)
    def delete_note(
        self,
        form: NamedDependency[FormPost],
        customers: NamedDependency[CustomerCommands],
        customer_id: FromPath[UUID],
        note_id: FromPath[UUID],
    ) -> Redirect:
        """Delete a note (its author, an admin or an owner); the history keeps that it was."""
        form.wrote(customers.delete_note(form.principal, customer_id, note_id))
        return see_other(f"/customers/{customer_id}", done="note_deleted", anchor="notes")

    @get("/delete", sync_to_thread=True)
    def confirm_delete(
        self, staff_page: NamedDependency[StaffPage], customer_id: FromPath[UUID]
    ) -> Template:
        """Name what deleting removes, and that it cannot be undone, before it is done."""
        principal = staff_page.principal
        authorize(principal, Action.DELETE_CUSTOMERS)
        detail = staff_page.services.customer_detail
        context = {
            "customer": staff_page.app.customer_of(principal, customer_id),
            "link_count": len(detail.links(customer_id)),
            "file_count": len(detail.files(customer_id)),
            "sent_count": len(detail.sent_files(customer_id)),
        }
        return staff_page.render("staff/customer_delete.html", context)

    @post("/delete", sync_to_thread=True)
    def delete(
        self,
        form: NamedDependency[FormPost],
        customers: NamedDependency[CustomerCommands],
        customer_id: FromPath[UUID],
    ) -> Redirect:
        form.wrote(customers.delete(form.principal, customer_id))
        return see_other("/customers", done="deleted")

    @post("/sent-files", request_max_body_size=None)
    async def send_file(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        customer_id: FromPath[UUID],
    ) -> Template | Redirect:
        """Upload a file for the client, streamed to storage like the client's uploads.

        The session dependency would read the whole form to find the CSRF token; here
        the token is checked from the form's first fields, before any file byte is
        stored.
        """
        session_token = session_token_of(request)
        principal = await run_sync(services.app.sessions.principal, session_token)
        assert session_token is not None
        authorize(principal, Action.SEND_FILES)
        header_token = request.headers.get(CSRF_HEADER)
        if header_token or not request.content_type[0].startswith("multipart/"):
            # No form fields to look in: the header must carry it.
            check_csrf(session_token, header_token)

        def admit(fields: Mapping[str, str]) -> None:
            check_csrf(session_token, header_token or fields.get(CSRF_FIELD))

        staff_session = StaffSessionContext(principal, session_token, csrf_token_for(session_token))
        frame = StaffPage(request, services, staff_session, consistency)
        lang = frame.language
        form = MultipartForm(request, lambda _fields: None, before_first_file=admit)
        try:
            recorded = await run_sync(
                services.app.sent_files.receive_request, principal, customer_id, form
            )
        except FileTooLarge as too_large:
            refusal = error_text(too_large, lang)
            return await run_sync(
                detail_page,
                frame,
                customer_id,
                errors={"sent_file": {"file": refusal}},
                status_code=413,
            )
        except InvalidValue as error:
            return await run_sync(
                detail_page,
                frame,
                customer_id,
                errors={"sent_file": problems_of(error, lang)},
                status_code=422,
            )
        frame.wrote(recorded)
        return see_other(f"/customers/{customer_id}", done="file_sent", anchor="sent-files")

    @get("/export", sync_to_thread=True)
    def export(self, staff_page: NamedDependency[StaffPage], customer_id: FromPath[UUID]) -> Stream:
        """Everything stored about the customer in one ZIP (GDPR Art. 15), streamed."""
        export = customer_export(staff_page.services)
        return zip_stream(*export.export(staff_page.principal, customer_id))

    @get("/files.zip", sync_to_thread=True)
    def download_all(
        self,
        staff_page: NamedDependency[StaffPage],
        customer_id: FromPath[UUID],
        link_id: FromQuery[UUID | None] = None,
    ) -> Stream:
        """Every received file (or one link's) as one ZIP, streamed."""
        archive = files_archive(staff_page.services)
        return zip_stream(*archive.archive(staff_page.principal, customer_id, link_id=link_id))


class FilePages(Controller):
    """`/files/{id}`: download a received file, review it."""

    path = "/files/{file_id:uuid}"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/download", sync_to_thread=True)
    def download(
        self,
        files: NamedDependency[ReceivedFiles],
        staff_session: NamedDependency[StaffSessionContext],
        file_id: FromPath[UUID],
    ) -> Stream:
        """The exact bytes, as an attachment that never renders as one of our pages."""
        received, content = files.content(staff_session.principal, file_id)
        return file_stream(content, received.filename, received.size, received.content_type)

    @get("/preview", sync_to_thread=True)
    def preview(
        self,
        services: NamedDependency[Services],
        staff_session: NamedDependency[StaffSessionContext],
        file_id: FromPath[UUID],
    ) -> Stream:
        """A PDF or image shown in the browser: inline, sandboxed, only once found clean."""
        received, content = file_preview(services.app, staff_session.principal, file_id)
        return file_stream(
            content, received.filename, received.size, received.content_type, "inline"
        )

    @post("/review", sync_to_thread=True)
    def review(
        self,
        form: NamedDependency[FormPost],
        files: NamedDependency[ReceivedFiles],
        file_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Mark the file checked, queried (a comment is needed) or back to pending."""
        state, comment = field(data, "state"), optional(data, "comment")
        notify_client = field(data, "notify_client") == "yes"
        section = f"review:{file_id}"

        def customer_id() -> UUID:
            return files.get(form.principal, file_id).customer_id

        def again(*, errors: Problems, alert: str | None, status_code: int) -> Template:
            values = {"comment": field(data, "comment")}
            return detail_again(form, customer_id(), section, values)(
                errors=errors, alert=alert, status_code=status_code
            )

        review = files.review
        return form.run(
            lambda: review(
                form.principal,
                file_id,
                value_for(review, form.principal, ReviewState.parse, state),
                comment,
                notify_client=notify_client,
            ),
            again=again,
            then=lambda _: see_other(
                f"/customers/{customer_id()}", done="reviewed", anchor=f"file-{file_id}"
            ),
        )
