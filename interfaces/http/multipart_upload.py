"""Streaming a multipart/form-data body into the upload use case, one part at a time.

Only the HTTP side lives here: parsing parts and small fields. Each file part is
handed to the application's `UploadTarget` (which stages, hashes, caps and types
it); everything staged for a refused request is removed again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import anyio
import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from application.staging import StagedFile, StoredUpload
from application.uploads import UploadTarget
from domain.errors import InvalidValue
from interfaces.http.part_disposition import part_disposition
from interfaces.request_values import optional_id

FIELD_MAX_BYTES = 4096
MAX_FIELDS = 20
MAX_FILES_PER_REQUEST = 50
# Hand the parser about this much at once: fewer hops to the worker thread.
FEED_BYTES = 1024 * 1024


@dataclass
class ReceivedForm:
    uploads: list[StoredUpload] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


class _FormSink:
    """The parser's callbacks: files go to storage, small fields are kept as text."""

    def __init__(
        self, target: UploadTarget, before_first_file: Callable[[dict[str, str]], None]
    ) -> None:
        self.target = target
        self.before_first_file = before_first_file
        self.form = ReceivedForm()
        self._headers: dict[str, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._file: StagedFile | None = None
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
        self._file = self.target.stage(filename, count)

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
            self._file.abort()
            self._file = None
        self.target.discard(self.form.uploads)


def multipart_boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidValue.single("body", "must be multipart/form-data")
    return boundary


async def receive_multipart(
    body: AsyncIterator[bytes],
    content_type: str | None,
    target: UploadTarget,
    before_first_file: Callable[[dict[str, str]], None] = lambda _fields: None,
) -> ReceivedForm:
    """Parse the body; file parts (named `file`) are staged by `target` (the upload use
    case's rules: size cap, types, how many files).

    `before_first_file` sees the fields sent so far and may refuse (e.g. a missing
    password) before any file byte is stored. On any refusal the bytes already
    written are removed and the refusal is raised.
    """
    sink = _FormSink(target, before_first_file)
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
    return optional_id(form.fields.get(name), name)
