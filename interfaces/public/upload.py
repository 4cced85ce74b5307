"""The client's side: the upload page and endpoint, and the download page for sent files."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Stream, Template

from application.branding import BrandingSettings
from application.files import SentFiles
from application.texts.catalogue import refusal_text
from application.texts.formats import Formats
from application.texts.languages import other_language
from application.upload_links import UploadLinks
from application.uploads import UploadDetails, Uploads
from domain.errors import DomainError
from domain.file_name import safe_file_name
from domain.upload_link import LinkExpired, LinkLocked, LinkRevoked, UploadLink
from interfaces.http import schemas
from interfaces.http.dependencies import LinkFiles
from interfaces.http.downloads import file_stream
from interfaces.http.language import reader_language
from interfaces.http.multipart_upload import MultipartForm
from interfaces.http.sync import run_sync
from interfaces.public.brand import brand_of
from interfaces.public.texts import TEXTS
from interfaces.request_values import optional_id

PAGE_HEADERS = {
    # The token is in the URL: it must not leak to other sites through Referer.
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def link_password(
    request: Request[Any, Any, Any], fields: dict[str, str] | None = None
) -> str | None:
    return request.headers.get("x-link-password") or (fields or {}).get("password") or None


def upload_details(fields: Mapping[str, str]) -> UploadDetails:
    """The upload form's fields beside its files, typed (refused naming the field)."""
    return UploadDetails(
        item_id=optional_id(fields.get("item_id"), "item_id"),
        replaces=optional_id(fields.get("replaces"), "replaces"),
        uploader_name=fields.get("uploader_name") or None,
        uploader_email=fields.get("uploader_email") or None,
    )


def refusal_page(
    request: Request[Any, Any, Any],
    links: UploadLinks,
    branding: BrandingSettings,
    error: DomainError,
    download: bool = False,
) -> Template:
    """Expired, revoked, locked, unknown: in the client's language, naming the office; a
    download's page speaks of the download, not of an upload link."""
    lang = reader_language(request)
    kind, status = "not_found", 404
    if isinstance(error, LinkExpired):
        kind, status = "expired", 410
    elif isinstance(error, LinkRevoked):
        kind, status = "revoked", 410
    elif isinstance(error, LinkLocked):
        kind, status = "locked", 423
    texts = TEXTS[lang]
    organization = None
    brand = None
    ask: dict[str, str] | None = None
    organization_id = error.params.get("organization_id")
    if isinstance(organization_id, UUID):
        organization = links.organization_name(organization_id)
        brand = brand_of(branding, organization_id, organization)
        email = links.office_contact(organization_id, error.params.get("contact_id"))
        if email:
            # The address is a link of its own in the sentence.
            before, after = (
                texts["ask_office_at"].format(organization=organization, email="\0").split("\0")
            )
            ask = {"before": before, "email": email, "after": after}
        else:
            ask = {"before": texts["ask_office"].format(organization=organization)}
    return Template(
        template_name="public/refused.html",
        context={
            "t": texts,
            "lang": lang,
            "other_lang": other_language(lang),
            "title": texts[f"{kind}_title"],
            "text": texts.get(f"download_{kind}", texts[kind]) if download else texts[kind],
            "ask": ask,
            "brand": brand,
            "kind": kind,
        },
        status_code=status,
        headers=PAGE_HEADERS,
    )


def page_context(
    links: UploadLinks,
    branding: BrandingSettings,
    link_files: LinkFiles,
    link: UploadLink,
    token: str,
    lang: str,
) -> dict[str, Any]:
    texts = TEXTS[lang]
    face = links.organization_face(link.organization_id)
    fmt = Formats(lang, face.time_zone)
    max_size = links.cap(link)
    files_left = link.files_left()
    return {
        "t": texts,
        "lang": lang,
        "organization": face.name,
        "brand": brand_of(branding, link.organization_id, face.name),
        "title": link.title,
        "message": None if link.password_protected else link.message,
        "items": [] if link.password_protected else items_of(link),
        # Behind the password like the rest of what the link holds.
        "received_files": (
            [] if link.password_protected else received_through(link_files, link, fmt)
        ),
        "first_missing": first_to_send(items_of(link), file_questions_of(link)),
        "file_questions": [] if link.password_protected else file_questions_of(link),
        "password_protected": link.password_protected,
        "max_size": fmt.size(max_size),
        "max_size_bytes": max_size,
        "files_left": files_left,
        # Every file the link takes has arrived and no question waits for an answer.
        "full": files_left == 0 and not link.files_acceptable(),
        "files_left_text": (
            None
            if files_left is None
            else texts["limits_answers_only"]
            if files_left == 0 and link.files_acceptable()
            else texts["limits_none"]
            if files_left == 0
            else texts["limits_count_one"]
            if files_left == 1
            else texts["limits_count"].format(count=files_left)
        ),
        "allowed_types": fmt.types(link.allowed_types),
        "accept": ",".join(link.allowed_types),
        "expires": fmt.datetime(link.expires_at),
        "due": fmt.date(link.due_at) if link.due_at else None,
        "overdue": link.overdue(datetime.now(UTC)),
        "too_large": refusal_text(
            "file_too_large", lang, {"filename": "{filename}", "max_size": max_size}
        ),
        "other_lang": other_language(lang),
        "upload_path": f"/u/{token}/files?lang={lang}",
        "tus_path": f"/u/{token}/tus?lang={lang}",
        # The page fills in a file's id: taking a file back within 15 minutes.
        "remove_path": f"/u/{token}/files/{{id}}/remove?lang={lang}",
        "access_path": f"/u/{token}/access?lang={lang}",
    }


def received_through(link_files: LinkFiles, link: UploadLink, fmt: Formats) -> list[dict[str, str]]:
    """What arrived through this link, for whoever holds it: each file's name, size, time
    (the organisation's zone) and the document it was sent for; never who sent it, nor
    anything that came another way."""
    labels = {str(item["id"]): str(item["label"]) for item in link.requested_items}
    # The client reads their own upload of a moment ago: `link_files` waits (bounded)
    # until the read model shows everything recorded up to now, as every query of the API
    # does.
    return [
        {
            # Not shown: the page offers "Entfernen" for the files this browser sent.
            "id": str(row.id),
            "filename": row.filename,
            "size": fmt.size(row.size),
            "at": fmt.datetime(row.uploaded_at),
            "item": labels.get(str(row.item_id), "") if row.item_id else "",
        }
        for row in link_files.of(link)
    ]


def items_of(link: UploadLink) -> list[dict[str, Any]]:
    """The requested documents with their state; an open question is shown to the client."""
    items = []
    for item in link.requested_items:
        key = str(item["id"])
        state = link.item_state(key)
        items.append(
            {
                "id": key,
                "label": item["label"],
                "hint": item.get("hint"),
                "received": state != "missing",
                "state": state,
                "question": link.open_question(item["id"]) if state == "query" else None,
            }
        )
    return items


def file_questions_of(link: UploadLink) -> list[dict[str, str]]:
    """Open questions on files sent for no requested document: the file's name, the
    question, and the choice the page's selector sends to answer it with a new file."""
    return [
        {
            "label": q["label"],
            "question": q["question"],
            "choice": f"replaces:{UUID(hex=q['key'].removeprefix('file:'))}",
        }
        for q in link.open_questions()
        if q["key"].startswith("file:")
    ]


def first_to_send(
    items: list[dict[str, Any]], file_questions: list[dict[str, str]] | None = None
) -> str | None:
    """What the client most likely sends next: the answer to an open question on a
    document, then on a file, else a missing document."""
    for item in items:
        if item["state"] == "query":
            return str(item["id"])
    if file_questions:
        return file_questions[0]["choice"]
    for item in items:
        if item["state"] == "missing":
            return str(item["id"])
    return None


class UploadPageController(Controller):
    path = "/u/{token:str}"
    tags = ["public upload"]
    include_in_schema = True

    @get("/", sync_to_thread=True)
    def page(
        self,
        request: Request[Any, Any, Any],
        links: NamedDependency[UploadLinks],
        branding: NamedDependency[BrandingSettings],
        link_files: NamedDependency[LinkFiles],
        token: FromPath[str],
    ) -> Template:
        """The client's upload page (German by default; `?lang=en` or Accept-Language)."""
        lang = reader_language(request)
        try:
            link = links.public(token)
        except DomainError as error:
            return refusal_page(request, links, branding, error)
        return Template(
            template_name="public/upload.html",
            context=page_context(links, branding, link_files, link, token, lang),
            headers=PAGE_HEADERS,
        )

    @post("/access", status_code=200, sync_to_thread=True)
    def access(
        self,
        request: Request[Any, Any, Any],
        links: NamedDependency[UploadLinks],
        link_files: NamedDependency[LinkFiles],
        token: FromPath[str],
    ) -> dict[str, Any]:
        """Check the link's password (header `X-Link-Password`); returns what it unlocks."""
        link = links.public(token)
        links.check_password(link, link_password(request), client_address(request))
        items = items_of(link)
        zone = links.organization_face(link.organization_id).time_zone
        return {
            "message": link.message,
            "requested_items": items,
            "first": first_to_send(items, file_questions_of(link)),
            "file_questions": file_questions_of(link),
            "received_files": received_through(
                link_files, link, Formats(reader_language(request), zone)
            ),
        }

    @post("/files", status_code=201, request_max_body_size=None)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        uploads: NamedDependency[Uploads],
        token: FromPath[str],
    ) -> Response[schemas.UploadResult]:
        """Receive one or more `file` parts; the size cap and the type hold while streaming."""
        recorded = await run_sync(
            uploads.receive_request,
            token,
            request.headers.get("x-link-password"),
            client_address(request),
            MultipartForm(request, upload_details),
        )
        body = schemas.UploadResult(
            files=[
                schemas.UploadedFile(
                    id=str(u.file_id),
                    filename=safe_file_name(u.original_filename),
                    size=u.size,
                    sha256=u.sha256,
                    removal_key=recorded.removal_keys.get(u.file_id),
                    removable_until=recorded.removable_until,
                )
                for u in recorded.uploads
            ]
        )
        return Response(body, status_code=201, headers={"Cache-Control": "no-store"})

    @post("/files/{file_id:uuid}/remove", status_code=204, sync_to_thread=True)
    def remove(
        self,
        request: Request[Any, Any, Any],
        uploads: NamedDependency[Uploads],
        token: FromPath[str],
        file_id: FromPath[UUID],
        data: JSONBody[schemas.RemoveFileRequest],
    ) -> Response[None]:
        """Take back a file sent by mistake, within 15 minutes of its upload, with the
        `removal_key` its upload answered: 403 `removal_refused` for another key, 409
        `removal_too_late` after the quarter of an hour (the page's language)."""
        uploads.take_back(
            token,
            request.headers.get("x-link-password"),
            client_address(request),
            file_id,
            data.removal_key,
        )
        return Response(None, status_code=204, headers={"Cache-Control": "no-store"})


class DownloadPageController(Controller):
    path = "/d/{token:str}"
    tags = ["public download"]

    @get("/", sync_to_thread=True)
    def page(
        self,
        request: Request[Any, Any, Any],
        sent_files: NamedDependency[SentFiles],
        links: NamedDependency[UploadLinks],
        branding: NamedDependency[BrandingSettings],
        token: FromPath[str],
    ) -> Template:
        """The client's page for a file the professional sent."""
        lang = reader_language(request)
        texts = TEXTS[lang]
        try:
            sent = sent_files.public(token)
        except DomainError as error:
            return refusal_page(request, links, branding, error, download=True)
        face = links.organization_face(sent.organization_id)
        fmt = Formats(lang, face.time_zone)
        return Template(
            template_name="public/download.html",
            context={
                "t": texts,
                "lang": lang,
                "organization": face.name,
                "brand": brand_of(branding, sent.organization_id, face.name),
                "filename": sent.filename,
                "size": fmt.size(sent.size),
                "expires": fmt.datetime(sent.expires_at),
                "other_lang": other_language(lang),
                "content_path": f"/d/{token}/content",
            },
            headers=PAGE_HEADERS,
        )

    @get("/content", sync_to_thread=True)
    def content(self, sent_files: NamedDependency[SentFiles], token: FromPath[str]) -> Stream:
        """The file's bytes; the first download is recorded."""
        sent, content = sent_files.download(token)
        return file_stream(content, sent.filename, sent.size, sent.content_type)
