"""The upload use case: a file arrives as a stream of bytes, is staged under a temporary
key, recorded (with the link's count and the customer's first-upload status in one
transaction), and moved to its final key; a refusal at any step leaves nothing behind.

Entry points (the public page, the staff page, the files API, resumable uploads) hand
over a byte stream and the upload's metadata, in one call; they never see a storage key:

- `receive_request(token, password, client, form)` -- a client's request for a link
  (multipart: several files and the form's fields), start to end;
- `receive(link, name, chunks, ...)` -- one file for a link, start to end (tus);
- `app.sent_files.receive_request(principal, customer_id, form)` -- a file staff send.

`into_link(link)` / `into_customer(principal, customer_id)` (an `UploadTarget`),
`stage_parts`, `record` and `app.sent_files.send` are the steps these are made of.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar
from uuid import UUID

from application.command import Context, Recorded
from application.errors import Erased, NotFound
from application.principal import Principal
from application.staging import StagedFile, StagingRules, StoredUpload
from application.storage_keys import file_key
from domain.customer import Customer
from domain.errors import InvalidValue, problem
from domain.file_name import safe_file_name
from domain.received_file import REMOVAL_WINDOW, ReceivedFile
from domain.upload_link import LinkRevoked, UploadLink
from domain.values import email_address, person_name

if TYPE_CHECKING:
    from application.docintake import DocIntake

log = logging.getLogger(__name__)


def one_file(count: int) -> None:
    """A file sent to the client is one file."""
    if count > 1:
        raise InvalidValue.single("file", "send exactly one file")


@dataclass(frozen=True)
class RecordedUploads(Recorded):
    """What an upload recorded (`id` is the link's): the files, and per file the secret
    with which the client's page may take that file back until `removable_until` (only
    its hash is stored)."""

    removal_keys: dict[UUID, str] = field(default_factory=dict)
    uploads: tuple[StoredUpload, ...] = ()
    removable_until: datetime | None = None


@dataclass(frozen=True)
class FilePart:
    """One file of a request: its name as the client sent it and its bytes, in order
    (read them before asking for the next part)."""

    filename: str
    chunks: Iterable[bytes]


@dataclass(frozen=True)
class UploadDetails:
    """What a client's upload says beside its files (the form's fields, typed)."""

    item_id: UUID | None = None
    replaces: UUID | None = None
    uploader_name: str | None = None
    uploader_email: str | None = None


D = TypeVar("D", covariant=True)


def reopened_when_emptied(
    app: DocIntake, received: ReceivedFile, actor_id: UUID | None
) -> Customer | None:
    """The customer, if taking `received` away returned its status to open by itself
    (see `Customer.mark_files_gone`); None when its status stays."""
    customer = app.load(received.customer_id, Customer)
    if not customer.reopens_when_emptied:
        return None
    left = app.history.files_left(customer.id, leaving=received.id)
    return customer if customer.mark_files_gone(left, actor_id) else None


class UploadForm(Protocol[D]):
    """A request's body as the interface reads it (multipart/form-data), part by part.

    `files(max_file_size, max_files)` reads the body (refused at once when it announces
    more than that many files of that size take) and yields its file parts; `field(name)`
    is a text field sent before the part being read; `details()`, once the files are
    read, the form's fields made typed (refused naming the field).
    """

    def files(self, max_file_size: int, max_files: int | None) -> Iterator[FilePart]: ...

    def field(self, name: str) -> str | None: ...

    def details(self) -> D: ...


REMOVAL_KEY_MAX_LENGTH = 200


class FileNotOnLink(NotFound):
    """The file a client's page would take back is gone (or another link's): said to the
    client about the file, not as staff read a 404 ("... not your organisation's")."""

    text_code = "file_not_on_link"


def removal_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class UploadTarget:
    """Where one request's files go, under which rules, and how many it may bring.

    `room(count)` refuses the `count`-th file of the request (for a link: the link's
    own max-files rule, decided by the domain); `admit()` runs before the first file
    is staged (for staff: the customer is theirs).
    """

    def __init__(
        self,
        uploads: Uploads,
        customer_id: UUID,
        rules: StagingRules,
        room: Callable[[int], None],
        admit: Callable[[], object] | None = None,
    ) -> None:
        self._uploads = uploads
        self.customer_id = customer_id
        self.rules = rules
        self.room = room
        self.admit = admit

    def stage(self, filename: str, count: int, file_id: UUID | None = None) -> StagedFile:
        """Start writing the `count`-th file of this request (as `file_id` when the
        caller chose it already: a resumable upload keeps its id from the start)."""
        if count == 1 and self.admit is not None:
            self.admit()
        self.room(count)
        store = self._uploads.app.customer_files(self.customer_id)
        return StagedFile(store, filename, self.rules, file_id)

    def discard(self, uploads: Sequence[StoredUpload]) -> None:
        """Remove what was staged for a request that is refused."""
        self._uploads.discard(uploads)


def written(staged: StagedFile, chunks: Iterable[bytes]) -> StoredUpload:
    """Write `chunks` into `staged` and finish it; nothing is left of it when refused."""
    try:
        for chunk in chunks:
            staged.write(chunk)
        return staged.finish()
    except BaseException:
        staged.abort()
        raise


class Uploads(Context):
    """Files arriving: staged, recorded, promoted; removed again when refused."""

    def receive_request(
        self, token: str, password: str | None, client: str, form: UploadForm[UploadDetails]
    ) -> RecordedUploads:
        """A client's upload request through the link `token`, start to end: the link
        must take files (and the password, from the header or else from the form's
        `password` field before the first file), each file part is staged (capped,
        typed, counted against the link), then all are recorded and made final.

        Any refusal removes every byte staged for the request before it is raised.
        """
        link = self.app.links.public(token)
        if link.password_protected and password:
            self.app.links.check_password(link, password, client)

        def unlock() -> None:
            if link.password_protected and not password:
                self.app.links.check_password(link, form.field("password"), client)

        target = self.into_link(link)
        parts = form.files(target.rules.max_file_size, link.files_acceptable())
        uploads = self.stage_parts(target, parts, unlock)
        try:
            details = form.details()
        except BaseException:
            self.discard(uploads)
            raise
        return self.record(
            link.id,
            uploads,
            item_id=details.item_id,
            uploader_name=details.uploader_name,
            uploader_email=details.uploader_email,
            replaces=details.replaces,
        )

    def stage_parts(
        self,
        target: UploadTarget,
        parts: Iterable[FilePart],
        before_first: Callable[[], object] = lambda: None,
    ) -> list[StoredUpload]:
        """Stage every file of one request into `target`; on a refusal the files staged
        so far are removed and it is raised."""
        uploads: list[StoredUpload] = []
        try:
            for count, part in enumerate(parts, 1):
                if count == 1:
                    before_first()
                uploads.append(written(target.stage(part.filename, count), part.chunks))
        except BaseException:
            self.discard(uploads)
            raise
        return uploads

    def into_link(self, link: UploadLink) -> UploadTarget:
        """Where a client's files for `link` go; refused at once when the link is full."""
        link.check_room(1)
        rules = StagingRules(min(link.max_file_size, self.app.max_upload_size), link.allowed_types)
        return UploadTarget(self, link.customer_id, rules, link.check_room)

    def into_customer(self, principal: Principal, customer_id: UUID) -> UploadTarget:
        """Where a file staff send to the customer goes (one file, any type); the customer
        must be the principal's (checked before the first byte is staged)."""
        rules = StagingRules(self.app.max_upload_size, [])
        return UploadTarget(
            self,
            customer_id,
            rules,
            one_file,
            admit=lambda: self.app.customer_of(principal, customer_id),
        )

    def receive(
        self,
        link: UploadLink,
        name: str,
        chunks: Iterable[bytes],
        *,
        item_id: UUID | None = None,
        uploader_name: str | None = None,
        uploader_email: str | None = None,
        replaces: UUID | None = None,
        file_id: UUID | None = None,
    ) -> RecordedUploads:
        """One file for `link`, start to end: stage the bytes of `chunks` (hashed, capped
        at the link's size, type checked), record it, move it to its final key.

        `link` comes from `app.links.public(token)` (password checked by the caller).
        Refusals (`FileTooLarge`, `FileTypeNotAllowed`, `MaxFilesReached`, expired,
        revoked, bad uploader fields) are raised after removing every staged byte.
        """
        upload = written(self.into_link(link).stage(name, 1, file_id), chunks)
        return self.record(
            link.id,
            [upload],
            item_id=item_id,
            uploader_name=uploader_name,
            uploader_email=uploader_email,
            replaces=replaces,
        )

    def record(
        self,
        link_id: UUID,
        uploads: list[StoredUpload],
        *,
        item_id: UUID | None,
        uploader_name: str | None,
        uploader_email: str | None,
        replaces: UUID | None = None,
    ) -> RecordedUploads:
        """Record what arrived, in one transaction with the link's count and, for the first
        upload of an open customer, the automatic status change; then make the bytes final.

        When the link no longer takes files (expired, full, ...) or a field is bad, the
        staged bytes are removed and the refusal is raised. `replaces`: the file of no
        requested document whose open question this answers.
        """
        try:
            if not uploads:
                raise InvalidValue.single("file", problem("choose_file", "send at least one file"))
            name = person_name(uploader_name, "uploader_name")
            email = email_address(uploader_email, "uploader_email")
            recorded = self.app.retrying(
                lambda: self._record(link_id, uploads, item_id, name, email, replaces)
            )
        except BaseException:
            self.discard(uploads)
            raise
        for upload in uploads:
            self.promote(upload.temporary_key, file_key(upload.file_id))
        return recorded

    def _record(
        self,
        link_id: UUID,
        uploads: list[StoredUpload],
        item_id: UUID | None,
        name: str | None,
        email: str | None,
        replaces: UUID | None = None,
    ) -> RecordedUploads:
        try:
            link = self.app.load(link_id, UploadLink)
            customer = self.app.load(link.customer_id, Customer)
        except Erased:
            raise LinkRevoked("This upload link has been revoked.") from None
        if customer.deleted:
            raise LinkRevoked("This upload link has been revoked.")
        now = self.app.now()
        files = []
        keys: dict[UUID, str] = {}
        for upload in uploads:
            link.receive(upload.file_id, item_id, now, replaces)
            keys[upload.file_id] = secrets.token_urlsafe(32)
            files.append(
                ReceivedFile(
                    id=upload.file_id,
                    organization_id=link.organization_id,
                    customer_id=link.customer_id,
                    link_id=link.id,
                    item_id=item_id,
                    object_key=file_key(upload.file_id),
                    filename=safe_file_name(upload.original_filename),
                    original_filename=upload.original_filename[:1000],
                    size=upload.size,
                    content_type=upload.content_type,
                    sha256=upload.sha256,
                    uploader_name=name,
                    uploader_email=email,
                    actor_id=None,
                    scan_state=self.app.initial_scan_state,
                    removal_key_hash=removal_key_hash(keys[upload.file_id]),
                )
            )
        changed = customer.mark_first_upload(actor_id=None)
        position = self.app.record(link, *files, customer if changed else None)
        return RecordedUploads(link.id, position, keys, tuple(uploads), now + REMOVAL_WINDOW)

    def take_back(
        self, token: str, password: str | None, client: str, file_id: UUID, removal_key: str
    ) -> Recorded:
        """The client removes a file they sent by mistake, from the same page, within
        `REMOVAL_WINDOW`: the file is deleted (its bytes by the cleanup policy), the link
        counts it no more, and its document is missing again if it was its only file."""
        if not removal_key:
            raise InvalidValue.single(
                "removal_key", problem("required", "must be the key the upload answered")
            )
        if len(removal_key) > REMOVAL_KEY_MAX_LENGTH:
            # Never one an upload answered; not something the client left empty.
            raise InvalidValue.single(
                "removal_key", problem("invalid", "must be the key the upload answered")
            )
        link = self.app.links.public(token)
        self.app.links.check_password(link, password, client)

        def attempt() -> Recorded:
            current = self.app.load(link.id, UploadLink)
            try:
                received = self.app.load(file_id, ReceivedFile)
            except (NotFound, Erased):
                raise FileNotOnLink("No such file on this link.") from None
            if received.link_id != current.id:
                raise FileNotOnLink("No such file on this link.")
            received.take_back(removal_key, self.app.now())
            current.remove_upload(received.id, received.item_id, None)
            customer = reopened_when_emptied(self.app, received, None)
            return Recorded(received.id, self.app.record(received, current, customer))

        return self.app.retrying(attempt)

    def discard(self, uploads: Sequence[StoredUpload]) -> None:
        """Remove staged bytes that will not be recorded."""
        for upload in uploads:
            self.app.file_store.delete(upload.temporary_key)

    def promote(self, temporary_key: str, final_key: str) -> None:
        """Move recorded bytes to their final key.

        The upload is recorded already, so a failure here is not the client's: the
        bytes stay readable under the temporary key and the sweeper finishes the move
        (as it does after a crash at this point).
        """
        try:
            self.app.file_store.promote(temporary_key, final_key)
        except Exception:
            log.warning("moving %s failed; the storage sweeper will finish it", temporary_key)
