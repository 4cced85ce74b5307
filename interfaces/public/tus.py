"""tus 1.0 on an upload link: core, creation, creation-with-upload, termination,
expiration and checksum (sha256). The rules live in `application.resumable_uploads`;
this module speaks the protocol's headers.

    OPTIONS /u/{token}/tus              what this server takes
    POST    /u/{token}/tus              create (Upload-Length, Upload-Metadata: filename, item_id)
    HEAD    /u/{token}/tus/{upload_id}  where the upload stands (Upload-Offset)
    PATCH   /u/{token}/tus/{upload_id}  more bytes at Upload-Offset
    DELETE  /u/{token}/tus/{upload_id}  give it up
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextvars
from email.utils import format_datetime
from typing import Any
from uuid import UUID

import anyio
from litestar import Controller, Request, Response, delete, head, patch, post, route
from litestar.di import NamedDependency
from litestar.enums import HttpMethod
from litestar.exceptions import ClientException
from litestar.params import FromPath

from application.command import Recorded
from application.resumable_uploads import (
    AppendSession,
    ResumableUploads,
    StagingBusy,
    UploadState,
)
from application.uploads import RecordedUploads
from domain.errors import DomainError, InvalidValue
from interfaces.http.sync import run_sync
from interfaces.public.upload import client_address
from interfaces.request_values import optional_id

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
#: Hand the staging about this much at once (fewer hops to the worker thread).
FEED_BYTES = 1024 * 1024


class UploadBusy(DomainError):
    code = "conflict"


def _headers(**extra: str) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}


def _state_headers(state: UploadState) -> dict[str, str]:
    return _headers(
        **{
            "Upload-Offset": str(state.offset),
            "Upload-Length": str(state.length),
            "Upload-Expires": format_datetime(state.expires_at, usegmt=True),
        }
    )


def _require_version(request: Request[Any, Any, Any]) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise ClientException(
            status_code=412,
            detail=f"Tus-Resumable: {TUS_VERSION} is required",
            headers={"Tus-Version": TUS_VERSION},
        )


def _metadata(raw: str | None) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64value` pairs."""
    found: dict[str, str] = {}
    for pair in (raw or "").split(","):
        parts = pair.strip().split(" ")
        if not parts[0]:
            continue
        if len(parts) > 2:
            raise InvalidValue.single("Upload-Metadata", "each pair is a key and a base64 value")
        try:
            value = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
            found[parts[0]] = value.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidValue.single(
                "Upload-Metadata", f"{parts[0]} is not base64 of UTF-8 text"
            ) from None
    return found


def _length(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidValue.single("Upload-Length", "must be a whole number of bytes")
    return int(raw)


def _offset(raw: str | None) -> int:
    if raw is None or not raw.isdigit() or len(raw) > 18:
        raise InvalidValue.single("Upload-Offset", "must be a whole number of bytes")
    return int(raw)


def _checksum(raw: str | None) -> bytes | None:
    if raw is None:
        return None
    algorithm, _, value = raw.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise InvalidValue.single("Upload-Checksum", "only sha256 is supported")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise InvalidValue.single("Upload-Checksum", "must be sha256 and base64 of 32 bytes")
    return digest


def _upload_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidValue.single("upload_id", "is not a valid id") from None


def _password(request: Request[Any, Any, Any]) -> str | None:
    return request.headers.get("x-link-password") or None


async def _take_body(
    request: Request[Any, Any, Any], session: AppendSession
) -> tuple[int, dict[str, str]]:
    """Stream the body into the session; returns the new offset and, when that finished the
    upload, the headers naming the recorded file and its removal secret.

    The next piece is received while the previous one is sealed and written (one write in
    flight at a time, so at most two pieces are held)."""
    await run_sync(session.open)
    pending = bytearray()
    writing = _Writing(session)
    try:
        async for chunk in request.stream():
            pending += chunk
            if len(pending) >= FEED_BYTES:
                data, pending = bytes(pending), bytearray()
                await writing.start(data)
        await writing.settle()
        if pending:
            await run_sync(session.write, bytes(pending))
    except DomainError:
        with anyio.CancelScope(shield=True):
            await writing.settle_quietly()
            await run_sync(session.refuse)
        raise
    except BaseException:
        # The client went away: what arrived is kept (the client resumes after it).
        with anyio.CancelScope(shield=True):
            try:
                if await writing.settle_quietly() and pending:
                    await run_sync(session.write, bytes(pending))
            finally:
                await run_sync(session.cut_off)
        raise
    offset, recorded = await run_sync(session.close)
    return offset, _finished(recorded)


class _Writing:
    """The one `session.write` running in a worker thread while the body streams on."""

    def __init__(self, session: AppendSession) -> None:
        self.session = session
        self.running: asyncio.Future[None] | None = None

    async def start(self, data: bytes) -> None:
        await self.settle()
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        self.running = loop.run_in_executor(None, context.run, self.session.write, data)

    async def settle(self) -> None:
        """Wait for the write in flight (its refusal is raised here); a cancelled caller
        does not cancel it: the thread's write finishes either way."""
        running, self.running = self.running, None
        if running is not None:
            try:
                await asyncio.shield(running)
            except BaseException:
                self.running = running if not running.done() else None
                raise

    async def settle_quietly(self) -> bool:
        """Wait for the write in flight whatever it ends with; True unless it failed."""
        running, self.running = self.running, None
        if running is None:
            return True
        try:
            await running
        except BaseException:
            return False
        return True


def _finished(recorded: Recorded | None) -> dict[str, str]:
    """`Upload-File-Id` and `Upload-Removal-Key`: with the key the page may take the file
    back within a quarter of an hour (`POST /u/{token}/files/{id}/remove`)."""
    if not isinstance(recorded, RecordedUploads):
        return {}
    for file_id, key in recorded.removal_keys.items():
        return {"Upload-File-Id": str(file_id), "Upload-Removal-Key": key}
    return {}


class TusController(Controller):
    path = "/u/{token:str}/tus"
    tags = ["public upload"]

    # Not in the API document: like every other path's OPTIONS, it is the protocol's own.
    @route(
        "/",
        http_method=[HttpMethod.OPTIONS],
        status_code=204,
        sync_to_thread=True,
        include_in_schema=False,
    )
    def capabilities(
        self, resumable_uploads: NamedDependency[ResumableUploads], token: FromPath[str]
    ) -> Response[None]:
        """What this server takes: version, extensions, checksum algorithm, largest upload
        (the link may take less; a browser's preflight asks this without a password)."""
        return Response(
            None,
            status_code=204,
            headers=_headers(
                **{
                    "Allow": "OPTIONS, POST",
                    "Tus-Version": TUS_VERSION,
                    "Tus-Extension": EXTENSIONS,
                    "Tus-Checksum-Algorithm": "sha256",
                    "Tus-Max-Size": str(resumable_uploads.max_upload_size),
                }
            ),
        )

    @post("/", status_code=201, request_max_body_size=None)
    async def create(
        self,
        request: Request[Any, Any, Any],
        resumable_uploads: NamedDependency[ResumableUploads],
        token: FromPath[str],
    ) -> Response[None]:
        """Create an upload (`Upload-Length`, `Upload-Metadata` with `filename` and optional
        `item_id`, or `replaces`: the file with an open question it answers); a body of
        `application/offset+octet-stream` is its first bytes."""
        _require_version(request)
        metadata = _metadata(request.headers.get("upload-metadata"))
        address = client_address(request)
        state = await run_sync(
            lambda: resumable_uploads.create(
                token,
                _password(request),
                address,
                length=_length(request.headers.get("upload-length")),
                filename=metadata.get("filename") or metadata.get("name"),
                item_id=optional_id(metadata.get("item_id"), "item_id"),
                uploader_name=metadata.get("uploader_name"),
                uploader_email=metadata.get("uploader_email"),
                replaces=optional_id(metadata.get("replaces"), "replaces"),
            )
        )
        location = f"/u/{token}/tus/{state.upload_id}"
        lang = request.query_params.get("lang")
        if lang in ("de", "en"):
            # The page's language for the refusals of the later requests.
            location += f"?lang={lang}"
        finished: dict[str, str] = {}
        if request.headers.get("content-type") == OFFSET_CONTENT_TYPE:
            link = await run_sync(
                resumable_uploads.admitted_link, token, _password(request), address
            )
            session = await run_sync(
                resumable_uploads.append,
                link,
                state.upload_id,
                0,
                _checksum(request.headers.get("upload-checksum")),
            )
            offset, finished = await _take_body(request, session)
            state = UploadState(state.upload_id, offset, state.length, state.expires_at)
        return Response(
            None,
            status_code=201,
            headers={**_state_headers(state), "Location": location, **finished},
        )

    @head("/{upload_id:str}", sync_to_thread=True)
    def status(
        self,
        request: Request[Any, Any, Any],
        resumable_uploads: NamedDependency[ResumableUploads],
        token: FromPath[str],
        upload_id: FromPath[str],
    ) -> Response[None]:
        """Where the upload stands: `Upload-Offset` bytes are safely stored."""
        _require_version(request)
        state = resumable_uploads.status(
            token, _password(request), client_address(request), _upload_id(upload_id)
        )
        return Response(None, status_code=200, headers=_state_headers(state))

    @patch("/{upload_id:str}", status_code=204, request_max_body_size=None)
    async def append(
        self,
        request: Request[Any, Any, Any],
        resumable_uploads: NamedDependency[ResumableUploads],
        token: FromPath[str],
        upload_id: FromPath[str],
    ) -> Response[None]:
        """More bytes at `Upload-Offset` (with `Upload-Checksum: sha256 ...`, all or none
        of them are kept: 460 when they do not match)."""
        _require_version(request)
        if request.headers.get("content-type") != OFFSET_CONTENT_TYPE:
            raise ClientException(
                status_code=415, detail=f"Content-Type must be {OFFSET_CONTENT_TYPE}"
            )
        ident = _upload_id(upload_id)
        offset = _offset(request.headers.get("upload-offset"))
        checksum = _checksum(request.headers.get("upload-checksum"))
        link = await run_sync(
            resumable_uploads.admitted_link, token, _password(request), client_address(request)
        )
        session = await run_sync(resumable_uploads.append, link, ident, offset, checksum)
        try:
            new_offset, finished = await _take_body(request, session)
        except StagingBusy:
            raise UploadBusy("Another request is sending to this upload right now.") from None
        state = UploadState(ident, new_offset, session.upload.length, session.upload.expires_at)
        return Response(None, status_code=204, headers={**_state_headers(state), **finished})

    @delete("/{upload_id:str}", status_code=204, sync_to_thread=True)
    def terminate(
        self,
        request: Request[Any, Any, Any],
        resumable_uploads: NamedDependency[ResumableUploads],
        token: FromPath[str],
        upload_id: FromPath[str],
    ) -> Response[None]:
        """Give the upload up: its staged bytes are removed."""
        _require_version(request)
        resumable_uploads.terminate(
            token, _password(request), client_address(request), _upload_id(upload_id)
        )
        return Response(None, status_code=204, headers=_headers())
