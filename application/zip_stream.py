"""A ZIP archive written while it is sent: no temporary file, memory flat.

Python's `zipfile` writes to a sink that cannot seek, so every entry carries a
data descriptor after its bytes; what it writes is handed on as soon as it is
written. Names are UTF-8 (zipfile sets the language-encoding flag, bit 11, for
every name that is not ASCII), and documents are stored as they are (they are
compressed already). Used by the customer's data export and by "download all".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

#: Entries this large need ZIP64 headers, which must be chosen before the first byte.
ZIP64_FROM = 2**31


class _Sink(io.RawIOBase):
    """Collects what zipfile writes, for the generator to hand on."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP entry's time (ZIP cannot say anything before 1980)."""
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `stem (2).ext`, ... when the folder has it already (case-insensitively)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({number}){dot}{suffix}"
        number += 1
    taken.add(candidate.casefold())
    return candidate


class StreamingZip:
    """Entries go in one after another; each method yields the archive's bytes so far."""

    def __init__(self) -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED)

    def text(self, path: str, content: str) -> Iterator[bytes]:
        """A small text entry (compressed)."""
        self._zip.writestr(path, content)
        yield self._sink.take()

    def stream(
        self, path: str, content: Iterator[bytes], size: int, moment: datetime
    ) -> Iterator[bytes]:
        """A file's bytes as they are read, stored as they are."""
        info = zipfile.ZipInfo(path, date_time=zip_time(moment))
        info.compress_type = zipfile.ZIP_STORED
        with self._zip.open(info, "w", force_zip64=size >= ZIP64_FROM) as target:
            for chunk in content:
                target.write(chunk)
                yield self._sink.take()
        yield self._sink.take()

    def close(self) -> Iterator[bytes]:
        """The central directory: the archive's end."""
        self._zip.close()
        yield self._sink.take()
