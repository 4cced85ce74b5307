"""Resumable uploads (tus 1.0) through an upload link: the rules, whatever speaks the protocol.

Every request is checked against its link as a whole upload would be: the link must
be usable now (not expired, revoked, locked or its customer deleted), its password
given (`X-Link-Password`) where it has one, the upload must belong to this link, the
declared size (`Upload-Length`, before any byte) within the link's cap, and the link
must take more files. The type is told from the first bytes as soon as they are
there; a type the link does not take ends the upload. Bytes are staged encrypted
(`UploadStaging`) and acknowledged only once on disk; the last byte moves the file
into the customer's file store and records it like any other upload. Abandoned
uploads expire and are swept.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID, uuid4

from application.command import Recorded
from application.content_type import SNIFF_BYTES
from application.errors import NotFound
from application.staging import FileTypeNotAllowed, StoredUpload, allowed_type, file_too_large
from application.storage_keys import incoming_key
from domain.errors import DomainError, InvalidValue
from domain.received_file import ReceivedFile
from domain.upload_link import MaxFilesReached, UploadLink
from domain.values import email_address, person_name

if TYPE_CHECKING:
    from application.docintake import DocIntake

log = logging.getLogger(__name__)

#: How long an unfinished upload waits for its next byte (never past its link's expiry).
UPLOAD_LIFETIME = timedelta(hours=24)
FILENAME_MAX_BYTES = 1000


class UploadTooLarge(DomainError):
    code = "file_too_large"


class UploadTypeNotAllowed(DomainError):
    code = "file_type_not_allowed"


class OffsetMismatch(DomainError):
    """The request does not continue where the upload stands (tus: 409)."""

    code = "conflict"


class ChecksumMismatch(DomainError):
    """The bytes do not match `Upload-Checksum` (tus: 460); nothing of them is kept."""

    code = "checksum_mismatch"


class StagingMissing(Exception):
    """No staged upload under that id (never created, finished and swept, or expired)."""


class StagingBusy(Exception):
    """Another request is appending to the same upload right now."""


@dataclass(frozen=True)
class StagedUpload:
    upload_id: UUID
    link_id: UUID
    customer_id: UUID
    length: int
    filename: str
    item_id: UUID | None
    expires_at: datetime
    uploader_name: str | None = None
    uploader_email: str | None = None
    #: The file of no requested document whose open question this upload answers.
    replaces: UUID | None = None
    #: The id the file is recorded under (its stored object's key derives from it).
    file_id: UUID = field(default_factory=uuid4)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StagedUpload:
        return cls(
            upload_id=UUID(data["upload_id"]),
            link_id=UUID(data["link_id"]),
            customer_id=UUID(data["customer_id"]),
            length=int(data["length"]),
            filename=str(data["filename"]),
            item_id=UUID(data["item_id"]) if data.get("item_id") else None,
            expires_at=datetime.fromisoformat(data["expires_at"]),
            uploader_name=data.get("uploader_name"),
            uploader_email=data.get("uploader_email"),
            replaces=UUID(data["replaces"]) if data.get("replaces") else None,
            file_id=UUID(data["file_id"]),
        )


class Appending(Protocol):
    offset: int

    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> int: ...


class UploadStaging(Protocol):
    """Encrypted, append-only staging of unfinished uploads."""

    def create(self, upload: StagedUpload) -> None: ...

    def describe(self, upload_id: UUID) -> StagedUpload: ...

    def offset(self, upload_id: UUID) -> int: ...

    def appending(self, upload_id: UUID) -> AbstractContextManager[Appending]: ...

    def read(self, upload_id: UUID) -> Iterator[bytes]: ...

    def head(self, upload_id: UUID, size: int) -> bytes: ...

    def deliver(self, upload_id: UUID, key: str) -> str | None:
        """Put the finished upload's bytes, encrypted as they are staged, under `key` of
        the customer's file store; the SHA-256 (hex) of the file, or None when this
        staging cannot (the bytes then go through the upload use case)."""
        ...

    def delete(self, upload_id: UUID) -> None: ...

    def expired(self, now: float) -> list[UUID]: ...

    def set_expiry(self, upload_id: UUID, expires_at: float) -> None: ...


@dataclass(frozen=True)
class UploadState:
    upload_id: UUID
    offset: int
    length: int
    expires_at: datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


class ResumableUploads:
    def __init__(
        self,
        app: DocIntake,
        staging: UploadStaging,
        max_upload_size: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.app = app
        self.staging = staging
        self.max_upload_size = max_upload_size
        self.clock = clock

    # Checks made on every request ------------------------------------------------------

    def admitted_link(self, token: str, password: str | None, client: str) -> UploadLink:
        link = self.app.links.public(token)
        self.app.links.check_password(link, password, client)
        # A full link still takes an answer to an open question (the link decides on record).
        if link.files_acceptable() == 0:
            raise MaxFilesReached(
                f"This link takes at most {link.max_files} files.", count=link.max_files
            )
        return link

    def _upload_of(self, link: UploadLink, upload_id: UUID) -> StagedUpload:
        try:
            upload = self.staging.describe(upload_id)
        except StagingMissing:
            raise NotFound("No such upload.") from None
        if upload.link_id != link.id:
            raise NotFound("No such upload.")
        return upload

    def cap(self, link: UploadLink) -> int:
        return min(link.max_file_size, self.max_upload_size)

    # The protocol's operations -----------------------------------------------------------

    def create(
        self,
        token: str,
        password: str | None,
        client: str,
        *,
        length: int | None,
        filename: str | None,
        item_id: UUID | None,
        uploader_name: str | None = None,
        uploader_email: str | None = None,
        replaces: UUID | None = None,
    ) -> UploadState:
        link = self.admitted_link(token, password, client)
        if length is None:
            raise InvalidValue.single("Upload-Length", "is required (deferred length is not taken)")
        if length < 1:
            raise InvalidValue.single("Upload-Length", "the file is empty")
        cap = self.cap(link)
        if length > cap:
            raise UploadTooLarge(
                f"The file is larger than {cap} bytes.", filename=filename or "", max_size=cap
            )
        name = (filename or "").strip()
        if not name:
            raise InvalidValue.single("filename", "Upload-Metadata needs the file's name")
        if len(name.encode()) > FILENAME_MAX_BYTES:
            raise InvalidValue.single("filename", "is too long")
        if any(ord(c) < 32 for c in name):
            name = "".join(c if ord(c) >= 32 else " " for c in name)
        item = self._item(link, item_id)
        if replaces is not None and link.open_file_question(replaces) is None:
            raise InvalidValue.single(
                "replaces", "is not a file of this link with an open question"
            )
        name_of_uploader = person_name(uploader_name or None, "uploader_name")
        email_of_uploader = email_address(uploader_email or None, "uploader_email")
        now = self.clock()
        expires_at = min(now + UPLOAD_LIFETIME, link.expires_at)
        upload = StagedUpload(
            upload_id=uuid4(),
            link_id=link.id,
            customer_id=link.customer_id,
            length=length,
            filename=name,
            item_id=item,
            expires_at=expires_at,
            uploader_name=name_of_uploader,
            uploader_email=email_of_uploader,
            replaces=replaces,
        )
        self.staging.create(upload)
        self.staging.set_expiry(upload.upload_id, expires_at.timestamp())
        return UploadState(upload.upload_id, 0, length, expires_at)

    @staticmethod
    def _item(link: UploadLink, item: UUID | None) -> UUID | None:
        if item is None:
            return None
        if str(item) not in {str(i["id"]) for i in link.requested_items}:
            raise InvalidValue.single("item_id", "is not a document this link asks for")
        return item

    def status(self, token: str, password: str | None, client: str, upload_id: UUID) -> UploadState:
        link = self.app.links.public(token)
        self.app.links.check_password(link, password, client)
        upload = self._upload_of(link, upload_id)
        offset = self.staging.offset(upload_id)
        if offset == upload.length:
            self.finish_interrupted(link, upload)
        return UploadState(upload_id, offset, upload.length, upload.expires_at)

    def finish_interrupted(self, link: UploadLink, upload: StagedUpload) -> None:
        """Every byte is staged, yet the staging is still here: the process stopped between
        the last byte and the end of its recording. Finish now, so that a complete offset
        always stands for a recorded file (a refusal, e.g. a link since revoked, is raised
        and the staging removed); if the file was recorded and only the clean-up was
        missed, just clean up."""
        try:
            # Held like an append: the request that wrote the last byte records its file
            # while it holds the upload, so a HEAD meanwhile finds it busy and leaves it.
            with self.staging.appending(upload.upload_id):
                try:
                    self.app.load(upload.file_id, ReceivedFile)
                except NotFound:  # Erased too: then the recording refuses
                    self.finish(link, upload)
                else:
                    self.staging.delete(upload.upload_id)
        except (StagingBusy, StagingMissing):
            pass  # being recorded by that request right now, or recorded and cleaned up

    def append(
        self,
        link: UploadLink,
        upload_id: UUID,
        offset: int,
        checksum: bytes | None,
    ) -> AppendSession:
        """Start taking one request's bytes (checked against the link beforehand)."""
        upload = self._upload_of(link, upload_id)
        if upload.expires_at <= self.clock():
            self.staging.delete(upload_id)
            raise NotFound("This upload has expired.")
        return AppendSession(self, link, upload, offset, checksum)

    def terminate(self, token: str, password: str | None, client: str, upload_id: UUID) -> None:
        link = self.app.links.public(token)
        self.app.links.check_password(link, password, client)
        self._upload_of(link, upload_id)
        self.staging.delete(upload_id)

    def sweep(self) -> int:
        """Remove uploads past their expiry; returns how many."""
        expired = self.staging.expired(self.clock().timestamp())
        for upload_id in expired:
            self.staging.delete(upload_id)
        return len(expired)

    # The last byte -------------------------------------------------------------------------

    def finish(self, link: UploadLink, upload: StagedUpload) -> Recorded:
        """Put the staged bytes under their temporary key in the customer's file store as
        they are (they are staged in its format) and record them with the upload use case
        (record, promote); the staging is removed whatever the outcome."""
        try:
            key = incoming_key(upload.file_id)
            link.check_room(1)
            cap = self.cap(link)
            if upload.length > cap:
                raise file_too_large(upload.filename, cap)
            content_type = allowed_type(
                self.staging.head(upload.upload_id, SNIFF_BYTES),
                upload.filename,
                link.allowed_types,
            )
            sha256 = self.staging.deliver(upload.upload_id, key)
            if sha256 is None:
                return self.app.uploads.receive(
                    link,
                    upload.filename,
                    self.staging.read(upload.upload_id),
                    item_id=upload.item_id,
                    uploader_name=upload.uploader_name,
                    uploader_email=upload.uploader_email,
                    replaces=upload.replaces,
                    file_id=upload.file_id,
                )
            stored = StoredUpload(
                file_id=upload.file_id,
                temporary_key=key,
                original_filename=upload.filename,
                size=upload.length,
                sha256=sha256,
                content_type=content_type,
            )
            return self.app.uploads.record(
                link.id,
                [stored],
                item_id=upload.item_id,
                uploader_name=upload.uploader_name,
                uploader_email=upload.uploader_email,
                replaces=upload.replaces,
            )
        finally:
            self.staging.delete(upload.upload_id)


class AppendSession:
    """One PATCH: bytes in, checked against the declared length and the checksum."""

    def __init__(
        self,
        uploads: ResumableUploads,
        link: UploadLink,
        upload: StagedUpload,
        offset: int,
        checksum: bytes | None,
    ) -> None:
        self.uploads = uploads
        self.link = link
        self.upload = upload
        self.start = offset
        self.checksum = checksum
        self.digest = hashlib.sha256()

    def open(self) -> None:
        """Hold the upload for this request; refused unless it continues at the offset."""
        self._hold = ExitStack()
        self.appender = self._hold.enter_context(
            self.uploads.staging.appending(self.upload.upload_id)
        )
        if self.appender.offset != self.start:
            self._hold.close()
            raise OffsetMismatch(
                f"The upload stands at {self.appender.offset}, not {self.start}.",
                offset=self.appender.offset,
            )
        self.received = 0

    def write(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.start + self.received > self.upload.length:
            raise UploadTooLarge(
                "More bytes than Upload-Length announced.", max_size=self.upload.length
            )
        if self.checksum is not None:
            self.digest.update(chunk)
        self.appender.write(chunk)

    def cut_off(self) -> None:
        """The client went away mid-request: keep what arrived (on disk, acknowledged),
        unless a checksum was to cover it, then nothing."""
        try:
            if self.checksum is None and self.received:
                self.appender.commit()
        finally:
            self._hold.close()

    def refuse(self) -> None:
        """The request was refused: nothing of it is kept."""
        self._hold.close()

    def close(self) -> tuple[int, Recorded | None]:
        """The request's bytes are all here: check, acknowledge; after the last byte the
        file is recorded. Returns the new offset and the recorded file, if finished."""
        try:
            if self.checksum is not None and self.digest.digest() != self.checksum:
                raise ChecksumMismatch("The bytes do not match Upload-Checksum.")
            offset = self.appender.commit()
            self._check_type(self.start, offset)
            if offset == self.upload.length:
                # Still holding the upload: a HEAD meanwhile must not record it too.
                return offset, self.uploads.finish(self.link, self.upload)
        finally:
            self._hold.close()
        expires_at = min(self.uploads.clock() + UPLOAD_LIFETIME, self.link.expires_at)
        self.uploads.staging.set_expiry(self.upload.upload_id, expires_at.timestamp())
        return offset, None

    def _check_type(self, before: int, after: int) -> None:
        threshold = min(SNIFF_BYTES, self.upload.length)
        if before >= threshold or after < threshold:
            return
        head = self.uploads.staging.head(self.upload.upload_id, SNIFF_BYTES)
        try:
            allowed_type(head, self.upload.filename, self.link.allowed_types)
        except FileTypeNotAllowed as refused:
            self.uploads.staging.delete(self.upload.upload_id)
            raise UploadTypeNotAllowed(refused.message, **refused.params) from None
