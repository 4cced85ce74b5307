"""Received files (list, download, review, delete) and files sent to the client."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream

from application.files import ReceivedFiles, SentFiles
from application.files_archive import FilesArchive
from application.principal import Principal
from domain.errors import InvalidValue
from domain.received_file import ReviewState
from interfaces.http import schemas
from interfaces.http.consistency import Reads
from interfaces.http.dependencies import CustomerRecord, ReadModels
from interfaces.http.downloads import file_stream, zip_stream
from interfaces.http.multipart_upload import MultipartForm
from interfaces.http.presenters import (
    file_from_aggregate,
    file_from_row,
    sent_file_from_aggregate,
    sent_file_from_row,
)
from interfaces.http.sync import run_sync
from interfaces.request_values import value_for


class CustomerFileController(Controller):
    path = "/api/v1/customers/{customer_id:uuid}"
    tags = ["files"]

    @get("/files", sync_to_thread=True)
    def list_files(
        self,
        customer_record: NamedDependency[CustomerRecord],
        reads: NamedDependency[Reads],
        customer_id: FromPath[UUID],
    ) -> Response[schemas.FileList]:
        """The customer's received files, newest first."""
        retention = customer_record.retention()
        items = [file_from_row(r, retention) for r in customer_record.files()]
        return reads.answer(schemas.FileList(items=items))

    @get("/files.zip", sync_to_thread=True)
    def download_all(
        self,
        files_archive: NamedDependency[FilesArchive],
        principal: NamedDependency[Principal],
        customer_id: FromPath[UUID],
        link_id: FromQuery[UUID | None] = None,
        file_id: FromQuery[list[UUID] | None] = None,
    ) -> Stream:
        """The received files as one ZIP, streamed: a folder per requested document and an
        index with each file's review; infected and unscanned files are left out and named.
        `link_id` takes one link's files, `file_id` (repeatable) a selection."""
        name, content = files_archive.archive(
            principal, customer_id, link_id=link_id, file_ids=file_id or ()
        )
        return zip_stream(name, content)

    @get("/sent-files", sync_to_thread=True)
    def list_sent_files(
        self,
        customer_record: NamedDependency[CustomerRecord],
        reads: NamedDependency[Reads],
        base_url: NamedDependency[str],
        customer_id: FromPath[UUID],
    ) -> Response[schemas.SentFileList]:
        """Files sent to the customer, with their download links and whether they were fetched."""
        items = [sent_file_from_row(r, base_url) for r in customer_record.sent_files()]
        return reads.answer(schemas.SentFileList(items=items))

    @post("/sent-files", status_code=201, request_max_body_size=None)
    async def send_file(
        self,
        request: Request[Any, Any, Any],
        sent_files: NamedDependency[SentFiles],
        read_models: NamedDependency[ReadModels],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        base_url: NamedDependency[str],
        customer_id: FromPath[UUID],
    ) -> Response[schemas.SentFile]:
        """Upload a file for the client (multipart `file`, optional `expires_at`)."""
        recorded = await run_sync(
            sent_files.receive_request, principal, customer_id, MultipartForm(request, expiry)
        )
        await run_sync(reads.caught_up, recorded, "customer_detail")
        rows = await run_sync(read_models.customer_detail.sent_files, customer_id)
        row = next((r for r in rows if r.id == recorded.id), None)
        if row is not None:
            body = sent_file_from_row(row, base_url)
        else:
            # The read model lags behind (answered as stale): the file is recorded all
            # the same, so the answer comes from what was recorded.
            reads.behind()
            sent = await run_sync(sent_files.get, principal, recorded.id)
            body = sent_file_from_aggregate(sent, base_url)
        return reads.answer(body, status_code=201)


def expiry(fields: Mapping[str, str]) -> datetime | None:
    """The form's `expires_at`: when the file's download link ends (None: the default)."""
    return _optional_time(fields.get("expires_at"), "expires_at")


def _optional_time(raw: str | None, field: str) -> datetime | None:
    if not raw or not raw.strip():
        return None
    try:
        return msgspec.convert(raw.strip(), datetime)
    except msgspec.ValidationError:
        raise InvalidValue.single(field, "must be an RFC 3339 time") from None


class FileController(Controller):
    path = "/api/v1/files/{file_id:uuid}"
    tags = ["files"]

    @get("/", sync_to_thread=True)
    def get_file(
        self,
        files: NamedDependency[ReceivedFiles],
        read_models: NamedDependency[ReadModels],
        principal: NamedDependency[Principal],
        file_id: FromPath[UUID],
    ) -> schemas.File:
        """One received file with its review (and when retention deletes it)."""
        received = files.get(principal, file_id)
        retention = read_models.retention.schedule(principal.organization_id, received.customer_id)
        return file_from_aggregate(received, retention)

    @get("/content", sync_to_thread=True)
    def content(
        self,
        files: NamedDependency[ReceivedFiles],
        principal: NamedDependency[Principal],
        file_id: FromPath[UUID],
    ) -> Stream:
        """The exact bytes uploaded, as an attachment with a safe file name."""
        received, content = files.content(principal, file_id)
        return file_stream(content, received.filename, received.size, received.content_type)

    @put("/review", sync_to_thread=True)
    def review(
        self,
        files: NamedDependency[ReceivedFiles],
        reads: NamedDependency[Reads],
        read_models: NamedDependency[ReadModels],
        principal: NamedDependency[Principal],
        file_id: FromPath[UUID],
        data: JSONBody[schemas.ReviewRequest],
    ) -> Response[schemas.File]:
        """Mark the file `checked`, `query` (with a comment; `notify_client` mails the client
        the link's open questions) or back to `pending`."""
        state = value_for(files.review, principal, ReviewState.parse, data.state)
        recorded = files.review(
            principal, file_id, state, data.comment, notify_client=data.notify_client
        )
        received = files.get(principal, file_id)
        retention = read_models.retention.schedule(principal.organization_id, received.customer_id)
        return reads.recorded(recorded, file_from_aggregate(received, retention))

    @delete("/", status_code=204, sync_to_thread=True)
    def delete_file(
        self,
        files: NamedDependency[ReceivedFiles],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        file_id: FromPath[UUID],
    ) -> Response[None]:
        """Delete the file; its bytes are removed from storage."""
        return reads.recorded(files.delete(principal, file_id), None, status_code=204)
