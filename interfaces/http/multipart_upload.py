"""A multipart/form-data request body, read part by part for the upload use case.

Only the HTTP side lives here: parsing parts and small fields. The application reads a
`MultipartForm` (its `UploadForm`) in a worker thread, in one call
(`app.uploads.receive_request`, `app.sent_files.receive_request`): each file part comes
as a name and an iterator of its bytes, fetched from the event loop about a megabyte at
a time, so memory stays flat whatever the body's size. The body is capped by the
application's rules (413 before a byte is read when it announces more).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

import anyio.from_thread
from litestar import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from application.uploads import FilePart
from domain.errors import InvalidValue
from interfaces.http.part_disposition import part_disposition
from interfaces.http.slow_clients import capped, multipart_body_limit

FIELD_MAX_BYTES = 4096
MAX_FIELDS = 20
MAX_FILES_PER_REQUEST = 50
# Fetch about this much from the event loop at once: fewer hops between threads.
FEED_BYTES = 1024 * 1024

D = TypeVar("D")

#: What the parser saw: ("file", name), ("data", bytes) of that file, ("end", None).
Event = tuple[str, Any]


class _FormSink:
    """The parser's callbacks: a file's start, bytes and end become events, small fields
    are kept as text."""

    def __init__(self) -> None:
        self.events: deque[Event] = deque()
        self.fields: dict[str, str] = {}
        self.in_file = False
        self._headers: dict[str, bytes] = {}
        self._header_name = b""
        self._header_value = b""
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

    @property
    def in_part(self) -> bool:
        return self.in_file or self._field_name is not None

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
            if len(self.fields) >= MAX_FIELDS:
                raise InvalidValue.single("body", f"at most {MAX_FIELDS} form fields")
            self._field_name = name
            self._field_value = bytearray()
            return
        if name != "file":
            raise InvalidValue.single(name or "body", "files go in parts named 'file'")
        self.in_file = True
        self.events.append(("file", filename))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.events.append(("data", data[start:end]))
            return
        self._field_value += data[start:end]
        if len(self._field_value) > FIELD_MAX_BYTES:
            raise InvalidValue.single(self._field_name or "body", "is too long")

    def _part_end(self) -> None:
        if self.in_file:
            self.in_file = False
            self.events.append(("end", None))
        elif self._field_name is not None:
            try:
                self.fields[self._field_name] = self._field_value.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidValue.single(self._field_name, "is not UTF-8 text") from None
            self._field_name = None


def multipart_boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidValue.single("body", "must be multipart/form-data")
    return boundary


async def _next_batch(body: AsyncIterator[bytes]) -> bytes:
    """About `FEED_BYTES` of the body (less at its end; empty: it has ended)."""
    pending = bytearray()
    while len(pending) < FEED_BYTES:
        try:
            pending += await body.__anext__()
        except StopAsyncIteration:
            break
    return bytes(pending)


class MultipartForm(Generic[D]):
    """One request's multipart body as the application's `UploadForm`: file parts named
    `file`, at most `MAX_FIELDS` small text fields, at most `MAX_FILES_PER_REQUEST` files.

    Read it from a worker thread (`run_sync`), never on the event loop.
    `details(fields)` makes the fields typed (refusing naming the field);
    `before_first_file(fields)` may refuse (e.g. a missing CSRF token) before any file
    byte is handed over, or at the body's end when it holds no file.
    """

    def __init__(
        self,
        request: Request[Any, Any, Any],
        details: Callable[[Mapping[str, str]], D],
        before_first_file: Callable[[Mapping[str, str]], None] = lambda _fields: None,
    ) -> None:
        self._stream = request.stream()
        self._content_type = request.headers.get("content-type")
        self._content_length = request.headers.get("content-length")
        self._details = details
        self._before_first_file = before_first_file
        self._sink = _FormSink()

    def field(self, name: str) -> str | None:
        return self._sink.fields.get(name)

    def details(self) -> D:
        return self._details(self._sink.fields)

    def files(self, max_file_size: int, max_files: int | None) -> Iterator[FilePart]:
        limit = multipart_body_limit(max_file_size, max_files)
        body = capped(self._stream, limit, self._content_length)
        parser = MultipartParser(multipart_boundary(self._content_type), self._sink.callbacks())  # type: ignore[arg-type]
        events = self._sink.events
        ended = False

        def next_event() -> Event | None:
            nonlocal ended
            while not events and not ended:
                data = anyio.from_thread.run(_next_batch, body)
                try:
                    if data:
                        parser.write(data)
                    else:
                        parser.finalize()
                        ended = True
                except MultipartParseError as error:
                    raise InvalidValue.single(
                        "body", f"is not valid multipart/form-data ({error})"
                    ) from None
                if ended and self._sink.in_part:
                    raise InvalidValue.single(
                        "body", "the multipart body ended in the middle of a part"
                    )
            return events.popleft() if events else None

        def chunks() -> Iterator[bytes]:
            while (event := next_event()) is not None and event[0] == "data":
                yield event[1]

        count = 0
        while (event := next_event()) is not None:
            count += 1
            if count == 1:
                self._before_first_file(self._sink.fields)
            if count > MAX_FILES_PER_REQUEST:
                raise InvalidValue.single(
                    "file", f"at most {MAX_FILES_PER_REQUEST} files per request"
                )
            part = chunks()
            yield FilePart(event[1], part)
            for _unread in part:
                pass
        if count == 0:
            self._before_first_file(self._sink.fields)
