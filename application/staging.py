"""Writing one arriving file under its temporary key: hashed while it streams, stopped at
the size cap, its type told from its first bytes (never from its name)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID, uuid4

from application.content_type import SNIFF_BYTES, sniff_content_type
from application.ports import FileStore, ObjectWriter
from application.storage_keys import incoming_key
from domain.errors import DomainError, InvalidValue, problem
from domain.upload_link import type_allowed


class FileTooLarge(DomainError):
    code = "file_too_large"


class FileTypeNotAllowed(DomainError):
    code = "file_type_not_allowed"


def file_too_large(filename: str, max_size: int) -> FileTooLarge:
    return FileTooLarge(
        f"{filename!r} is larger than {max_size} bytes.", filename=filename, max_size=max_size
    )


def allowed_type(head: bytes, filename: str, allowed_types: list[str]) -> str:
    """The file's type told from its first bytes (`SNIFF_BYTES`; the name only breaks ties),
    refused unless it is one of `allowed_types` (empty: any type). Both ways in, a whole
    upload and a resumable one, judge a file by this one rule."""
    content_type = sniff_content_type(head, filename)
    if not type_allowed(content_type, allowed_types):
        raise FileTypeNotAllowed(
            f"{filename!r} is {content_type}; this link takes " + ", ".join(allowed_types),
            filename=filename,
            types=list(allowed_types),
        )
    return content_type


@dataclass(frozen=True)
class StoredUpload:
    """Bytes already written under a temporary key, waiting to be recorded."""

    file_id: UUID
    temporary_key: str
    original_filename: str
    size: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class StagingRules:
    """What every file of one upload must satisfy: at most `max_file_size` bytes, of one
    of `allowed_types` (empty: any type)."""

    max_file_size: int
    allowed_types: list[str]


class StagedFile:
    """One file being written; `finish` commits it, `abort` throws it away.

    Nothing of the file is held in memory beyond the first few KiB used to tell its type.
    """

    def __init__(
        self, store: FileStore, filename: str, rules: StagingRules, file_id: UUID | None = None
    ) -> None:
        self.file_id = file_id or uuid4()
        self.key = incoming_key(self.file_id)
        self.filename = filename
        self.rules = rules
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.head = bytearray()
        self.content_type: str | None = None
        self.writer: ObjectWriter = store.writer(self.key)

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.rules.max_file_size:
            raise file_too_large(self.filename, self.rules.max_file_size)
        self.sha256.update(data)
        if self.content_type is None:
            self.head += data
            if len(self.head) >= SNIFF_BYTES:
                self._decide_type()
        else:
            self.writer.write(data)

    def _decide_type(self) -> None:
        self.content_type = allowed_type(bytes(self.head), self.filename, self.rules.allowed_types)
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

    def abort(self) -> None:
        self.writer.abort()
