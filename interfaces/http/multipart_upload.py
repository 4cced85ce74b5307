"""Streaming a multipart/form-data body into file storage, one part at a time.

Nothing of a file is held in memory beyond the parser's chunk and the first
few KiB used to tell its type. Each file is hashed while it streams and stopped
at the size cap; everything written for a refused request is removed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import anyio
import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from application.content_type import SNIFF_BYTES, sniff_content_type
from application.ports import FileStore, ObjectWriter
from application.upload_links import StoredUpload, incoming_key
from domain.errors import DomainError, InvalidValue, problem
from domain.upload_link import MaxFilesReached, type_allowed
from interfaces.http.part_disposition import part_disposition

FIELD_MAX_BYTES = 4096
MAX_FIELDS = 20
MAX_FILES_PER_REQUEST = 50
# Hand the parser about this much at once: fewer hops to the worker thread.
FEED_BYTES = 1024 * 1024


class FileTooLarge(DomainError):
    code = "file_too_large"


class FileTypeNotAllowed(DomainError):
    code = "file_type_not_allowed"


class TooManyFiles(MaxFilesReached):
    """More files in one request than the link still takes."""

    text_code = "too_many_files"


@dataclass(frozen=True)
class UploadLimits:
    max_file_size: int
    max_files: int | None
    allowed_types: list[str]


@dataclass
class ReceivedForm:
    uploads: list[StoredUpload] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


class _FilePart:
    def __init__(self, store: FileStore, filename: str, limits: UploadLimits) -> None:
        self.file_id = uuid4()
        self.key = incoming_key(self.file_id)
        self.filename = filename
        self.limits = limits
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.head = bytearray()
        self.content_type: str | None = None
        self.writer: ObjectWriter = store.writer(self.key)

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limits.max_file_size:
            raise FileTooLarge(
                f"{self.filename!r} is larger than {self.limits.max_file_size} bytes.",
                filename=self.filename,
                max_size=self.limits.max_file_size,
            )
        self.sha256.update(data)
        if self.content_type is None:
            self.head += data
            if len(self.head) >= SNIFF_BYTES:
                self._decide_type()
        else:
            self.writer.write(data)

    def _decide_type(self) -> None:
        self.content_type = sniff_content_type(bytes(self.head), self.filename)
        if not type_allowed(self.content_type, self.limits.allowed_types):
            raise FileTypeNotAllowed(
                f"{self.filename!r} is {self.content_type}; this link takes "
                + ", ".join(self.limits.allowed_types),
                filename=self.filename,
                types=list(self.limits.allowed_types),
            )
        self.writer.write(bytes(self.head))
        self.head = bytearray()

    def finish(self) -> StoredUpload:
        if self.size == 0:
            raise InvalidValue.single(
                "file",
                problem("empty_file", f"{self.filename!r} is empty", filename=self.filename),
            )
        if self.content_type is None:
            self._decide_type()
        self.writer.commit()
        assert self.content_type is not None
        return StoredUpload(
            file_id=self.file_id,
            temporary_key=self.key,
            original_filename=self.filename,
            size=self.size,
            sha256=self.sha256.hexdigest(),
            content_type=self.content_type,
        )


class _FormSink:
    """The parser's callbacks: files go to storage, small fields are kept as text."""

    def __init__(
        self,
        store: FileStore,
        limits: UploadLimits,
        before_first_file: Callable[[dict[str, str]], None],
    ) -> None:
        self.store = store
        self.limits = limits
        self.before_first_file = before_first_file
        self.form = ReceivedForm()
        self._headers: dict[str, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._file: _FilePart | None = None
        self._field_name: str | None = None
        self._field_value = bytearray()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._header_name = b""
        self._header_value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        disposition = part_disposition(self._headers.get("content-disposition", b""))
        name, filename = disposition.name, disposition.filename
        if filename is None:
            if len(self.form.fields) >= MAX_FIELDS:
                raise InvalidValue.single("body", f"at most {MAX_FIELDS} form fields")
            self._field_name = name
            self._field_value = bytearray()
            return
        if name != "file":
            raise InvalidValue.single(name or "body", "files go in parts named 'file'")
        if not self.form.uploads:
            self.before_first_file(self.form.fields)
        count = len(self.form.uploads) + 1
        if count > MAX_FILES_PER_REQUEST:
            raise InvalidValue.single("file", f"at most {MAX_FILES_PER_REQUEST} files per request")
        if self.limits.max_files is not None and count > self.limits.max_files:
            raise TooManyFiles("This link takes no more files.", count=self.limits.max_files)
        self._file = _FilePart(self.store, filename, self.limits)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            return
        self._field_value += data[start:end]
        if len(self._field_value) > FIELD_MAX_BYTES:
            raise InvalidValue.single(self._field_name or "body", "is too long")

    def _part_end(self) -> None:
        if self._file is not None:
            upload = self._file.finish()
            self._file = None
            self.form.uploads.append(upload)
        elif self._field_name is not None:
            try:
                self.form.fields[self._field_name] = self._field_value.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidValue.single(self._field_name, "is not UTF-8 text") from None
            self._field_name = None

    def discard(self) -> None:
        """Remove everything written for this request (called when it is refused)."""
        if self._file is not None:
            self._file.writer.abort()
            self._file = None
        for upload in self.form.uploads:
            self.store.delete(upload.temporary_key)


def multipart_boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidValue.single("body", "must be multipart/form-data")
    return boundary


async def receive_multipart(
    body: AsyncIterator[bytes],
    content_type: str | None,
    store: FileStore,
    limits: UploadLimits,
    before_first_file: Callable[[dict[str, str]], None] = lambda _fields: None,
) -> ReceivedForm:
    """Parse the body; file parts (named `file`) go to storage under temporary keys.

    `before_first_file` sees the fields sent so far and may refuse (e.g. a missing
    password) before any file byte is stored. On any refusal the bytes already
    written are removed and the refusal is raised.
    """
    sink = _FormSink(store, limits, before_first_file)
    parser = MultipartParser(multipart_boundary(content_type), sink.callbacks())  # type: ignore[arg-type]
    pending = bytearray()
    try:
        async for chunk in body:
            pending += chunk
            if len(pending) >= FEED_BYTES:
                data, pending = bytes(pending), bytearray()
                await anyio.to_thread.run_sync(parser.write, data)
        if pending:
            await anyio.to_thread.run_sync(parser.write, bytes(pending))
        await anyio.to_thread.run_sync(parser.finalize)
        if sink._file is not None or sink._field_name is not None:
            raise InvalidValue.single("body", "the multipart body ended in the middle of a part")
    except MultipartParseError as error:
        await anyio.to_thread.run_sync(sink.discard)
        raise InvalidValue.single("body", f"is not valid multipart/form-data ({error})") from None
    except BaseException:
        # Shielded: a client that hangs up must not leave its bytes behind.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(sink.discard)
        raise
    return sink.form


def uuid_field(form: ReceivedForm, name: str) -> UUID | None:
    raw = form.fields.get(name, "").strip()
    if not raw:
        return None
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidValue.single(name, "is not a valid id") from None
