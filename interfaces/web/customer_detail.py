"""The customer detail page and its forms: details, status, notes, review, sent files,
deletion with confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Stream, Template

from application.file_previews import PREVIEW_IMAGE_TYPES, file_preview
from application.permissions import Action, authorize
from application.principal import Principal
from application.staff_sessions import check_csrf, csrf_token_for
from application.texts.catalogue import error_text
from domain.errors import InvalidValue, problem
from domain.upload_link import item_state_of
from infrastructure.bootstrap import Services
from interfaces.http.consistency import ReadYourWrites
from interfaces.http.downloads import customer_export, file_stream, files_archive, zip_stream
from interfaces.http.language import reader_language
from interfaces.http.multipart_upload import FileTooLarge, UploadLimits, receive_multipart
from interfaces.http.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    StaffSessionContext,
    session_token_of,
)
from interfaces.http.slow_clients import capped, multipart_body_limit
from interfaces.http.sync import run_sync
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    client_of,
    field,
    optional,
    page,
    problems_of,
    see_other,
    wait_for_writes,
)
from projections.activity import ActivityPage

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
    zone = services.app.organization_face(principal.organization_id).time_zone
    activity = activity_page(services, customer_id, activity_cursor, lang, zone)
    return {
        "customer": customer,
        "notes": list(reversed(services.customer_detail.notes(customer_id))),
        "files": files,
        "recent_files": files[:RECENT_FILES],
        "sent_files": services.customer_detail.sent_files(customer_id),
        "links": [link for link in links if link.status_at(now) == "active"],
        "item_labels": {
            item["id"]: item["label"] for link in links for item in link.requested_items
        },
        "activity": activity,
        "activity_cursor": activity_cursor,
        "names": {
            str(k): v for k, v in services.app.member_names(principal.organization_id).items()
        },
        "base_url": services.app.base_url,
        "statuses": ("open", "partial", "complete"),
        "item_state": lambda item: item_state_of(item["received"], item.get("review")),
        "previewable_images": PREVIEW_IMAGE_TYPES,
    }


def detail_page(
    request: Request[Any, Any, Any],
    services: Services,
    staff_session: StaffSessionContext,
    customer_id: UUID,
    *,
    errors: Errors | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
    fresh: bool = True,
) -> Template:
    """The page, also re-rendered by a failed form with its errors and the input kept."""
    lang = reader_language(request)
    cursor = request.query_params.get("activity") if request.method == "GET" else None
    context = detail_context(services, staff_session.principal, customer_id, lang, cursor)
    context.update({"errors": errors or {}, "values": values or {}})
    return page(
        request,
        services,
        staff_session,
        "staff/customer.html",
        context,
        status_code=status_code,
        fresh=fresh,
    )


class CustomerDetailPages(Controller):
    """`/customers/{id}`: the page and the forms on it."""

    path = "/customers/{customer_id:uuid}"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def detail(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
    ) -> Template:
        fresh = wait_for_writes(consistency, staff_session.principal)
        return detail_page(request, services, staff_session, customer_id, fresh=fresh)

    @post("/details", sync_to_thread=True)
    def change_details(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Change name, e-mail and company (an empty e-mail or company clears it)."""
        principal = staff_session.principal
        changes = {
            "name": field(data, "name"),
            "email": optional(data, "email"),
            "company": optional(data, "company"),
        }
        try:
            recorded = services.app.change_customer_details(principal, customer_id, changes)
        except InvalidValue as invalid:
            values = {name: field(data, name) for name in ("name", "email", "company")}
            return detail_page(
                request,
                services,
                staff_session,
                customer_id,
                errors={"details": problems_of(invalid, reader_language(request))},
                values={"details": values},
                status_code=422,
            )
        consistency.wrote(client_of(principal), recorded.position)
        return see_other(f"/customers/{customer_id}", done="saved")

    @post("/status", sync_to_thread=True)
    def set_status(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        principal = staff_session.principal
        recorded = services.app.set_customer_status(principal, customer_id, field(data, "status"))
        consistency.wrote(client_of(principal), recorded.position)
        return see_other(f"/customers/{customer_id}", done="status")

    @post("/notes", sync_to_thread=True)
    def add_note(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        principal = staff_session.principal
        try:
            recorded = services.app.add_note(principal, customer_id, field(data, "text"))
        except InvalidValue as invalid:
            return detail_page(
                request,
                services,
                staff_session,
                customer_id,
                errors={"note": problems_of(invalid, reader_language(request))},
                values={"note": {"text": field(data, "text")}},
                status_code=422,
            )
        consistency.wrote(client_of(principal), recorded.position)
        return see_other(f"/customers/{customer_id}", done="note", anchor="notes")

    @get("/delete", sync_to_thread=True)
    def confirm_delete(
        self,
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
    ) -> Template:
        """Name what deleting removes, and that it cannot be undone, before it is done."""
        principal = staff_session.principal
        authorize(principal, Action.DELETE_CUSTOMERS)
        fresh = wait_for_writes(consistency, principal)
        customer = services.app.customer_of(principal, customer_id)
        context = {
            "customer": customer,
            "link_count": len(services.customer_detail.links(customer_id)),
            "file_count": len(services.customer_detail.files(customer_id)),
            "sent_count": len(services.customer_detail.sent_files(customer_id)),
        }
        return page(
            request, services, staff_session, "staff/customer_delete.html", context, fresh=fresh
        )

    @post("/delete", sync_to_thread=True)
    def delete(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
    ) -> Redirect:
        principal = staff_session.principal
        recorded = services.app.delete_customer(principal, customer_id)
        consistency.wrote(client_of(principal), recorded.position)
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
        principal = await run_sync(services.app.session_principal, session_token)
        assert session_token is not None
        authorize(principal, Action.SEND_FILES)
        header_token = request.headers.get(CSRF_HEADER)
        if header_token or not request.content_type[0].startswith("multipart/"):
            # No form fields to look in: the header must carry it.
            check_csrf(session_token, header_token)

        def admit(fields: dict[str, str]) -> None:
            check_csrf(session_token, header_token or fields.get(CSRF_FIELD))
            services.app.customer_of(principal, customer_id)

        limits = UploadLimits(
            max_file_size=services.settings.max_upload_size, max_files=1, allowed_types=[]
        )
        staff_session = StaffSessionContext(principal, session_token, csrf_token_for(session_token))
        lang = reader_language(request)
        try:
            form = await receive_multipart(
                capped(
                    request.stream(),
                    multipart_body_limit(limits.max_file_size, 1),
                    request.headers.get("content-length"),
                ),
                request.headers.get("content-type"),
                services.app.customer_files(customer_id),
                limits,
                admit,
            )
        except FileTooLarge as too_large:
            refusal = error_text(too_large, lang)
            return await run_sync(
                detail_page,
                request,
                services,
                staff_session,
                customer_id,
                errors={"sent_file": {"file": refusal}},
                status_code=413,
            )
        try:
            if not form.uploads:
                await run_sync(admit, form.fields)
                raise InvalidValue.single("file", problem("choose_file", "choose a file"))
            upload = form.uploads[0]
            if upload.size == 0 and not upload.original_filename:
                raise InvalidValue.single("file", problem("choose_file", "choose a file"))
            recorded = await run_sync(services.app.send_file, principal, customer_id, upload, None)
        except BaseException as error:
            for stored in form.uploads:
                await run_sync(services.file_store.delete, stored.temporary_key)
            if isinstance(error, InvalidValue):
                return await run_sync(
                    detail_page,
                    request,
                    services,
                    staff_session,
                    customer_id,
                    errors={"sent_file": problems_of(error, lang)},
                    status_code=422,
                )
            raise
        consistency.wrote(client_of(principal), recorded.position)
        return see_other(f"/customers/{customer_id}", done="file_sent", anchor="sent-files")

    @get("/export", sync_to_thread=True)
    def export(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
    ) -> Stream:
        """Everything stored about the customer in one ZIP (GDPR Art. 15), streamed."""
        wait_for_writes(consistency, staff_session.principal)
        return zip_stream(*customer_export(services).export(staff_session.principal, customer_id))

    @get("/files.zip", sync_to_thread=True)
    def download_all(
        self,
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        customer_id: FromPath[UUID],
        link_id: FromQuery[UUID | None] = None,
    ) -> Stream:
        """Every received file (or one link's) as one ZIP, streamed."""
        wait_for_writes(consistency, staff_session.principal)
        archive = files_archive(services).archive(
            staff_session.principal, customer_id, link_id=link_id
        )
        return zip_stream(*archive)


class FilePages(Controller):
    """`/files/{id}`: download a received file, review it."""

    path = "/files/{file_id:uuid}"
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/download", sync_to_thread=True)
    def download(
        self,
        services: NamedDependency[Services],
        staff_session: NamedDependency[StaffSessionContext],
        file_id: FromPath[UUID],
    ) -> Stream:
        """The exact bytes, as an attachment that never renders as one of our pages."""
        received, content = services.app.file_content(staff_session.principal, file_id)
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
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        consistency: NamedDependency[ReadYourWrites],
        staff_session: NamedDependency[StaffSessionContext],
        file_id: FromPath[UUID],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        """Mark the file checked, queried (a comment is needed) or back to pending."""
        principal = staff_session.principal
        try:
            recorded = services.app.review_file(
                principal,
                file_id,
                field(data, "state"),
                optional(data, "comment"),
                notify_client=field(data, "notify_client") == "yes",
            )
        except InvalidValue as invalid:
            customer_id = services.app.file_of(principal, file_id).customer_id
            return detail_page(
                request,
                services,
                staff_session,
                customer_id,
                errors={f"review:{file_id}": problems_of(invalid, reader_language(request))},
                values={f"review:{file_id}": {"comment": field(data, "comment")}},
                status_code=422,
            )
        consistency.wrote(client_of(principal), recorded.position)
        customer_id = services.app.file_of(principal, file_id).customer_id
        return see_other(f"/customers/{customer_id}", done="reviewed", anchor=f"file-{file_id}")
