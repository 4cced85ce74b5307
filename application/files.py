"""Received files (review, download, delete) and files sent to the client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from application.command import Context, Recorded, command
from application.errors import Erased, NotFound, StoredFileDamaged
from application.permissions import Action, authorize
from application.ports import FileCorrupted, ObjectMissing
from application.principal import Principal
from application.staging import StoredUpload
from application.storage_keys import sent_key, staging_key_of
from application.upload_links import expiry, link_token, token_hash
from application.uploads import UploadForm, reopened_when_emptied
from domain.customer import Customer
from domain.errors import InvalidValue, problem
from domain.file_name import safe_file_name
from domain.received_file import ReceivedFile, ReviewState
from domain.sent_file import SentFile
from domain.upload_link import LinkExpired, LinkRevoked, UploadLink

SENT_FILE_LIFETIME = timedelta(days=30)


class ReceivedFiles(Context):
    """Files clients uploaded: staff review, read and delete them."""

    def get(self, principal: Principal, file_id: UUID) -> ReceivedFile:
        received = self.app.load(file_id, ReceivedFile)
        if received.organization_id != principal.organization_id or received.deleted:
            raise NotFound(f"No file with id {file_id}.")
        self.app.customer_of(principal, received.customer_id)
        return received

    @command(Action.REVIEW_FILES)
    def review(
        self,
        principal: Principal,
        file_id: UUID,
        state: ReviewState,
        comment: str | None,
        *,
        notify_client: bool = False,
    ) -> Recorded:
        """Mark a file checked, queried (with a comment) or back to pending.

        The requested document of the file takes the review's state (the client's page
        shows a question at its document). With `notify_client` and a query, the client
        is mailed the link's open questions: staff actively send it, so it keeps the rule
        that clients are only written to when staff send something.
        """
        if notify_client and state is ReviewState.QUERY:
            authorize(principal, Action.SEND_LINKS)
        received = self.get(principal, file_id)
        link = self.app.load(received.link_id, UploadLink)
        received.review(state, comment, principal.user_id)
        link.file_reviewed(
            received.id,
            received.item_id,
            received.filename,
            state.value,
            received.review_comment,
            principal.user_id,
        )
        if notify_client and state is ReviewState.QUERY:
            customer = self.app.load(received.customer_id, Customer)
            if not customer.email:
                raise InvalidValue.single(
                    "notify_client",
                    problem(
                        "customer_without_email", "the customer has no e-mail address; give one"
                    ),
                )
            link.request_questions_send(customer.email, principal.user_id, self.app.now())
        return Recorded(received.id, self.app.record(received, link))

    @command(Action.MANAGE_LINKS)
    def delete(self, principal: Principal, file_id: UUID) -> Recorded:
        """Delete a received file; its bytes are removed by the cleanup policy."""
        received = self.get(principal, file_id)
        link = self.app.load(received.link_id, UploadLink)
        received.delete(principal.user_id)
        link.remove_upload(received.id, received.item_id, principal.user_id)
        customer = reopened_when_emptied(self.app, received, principal.user_id)
        return Recorded(received.id, self.app.record(received, link, customer))

    def read_object(self, customer_id: UUID, key: str) -> Iterator[bytes]:
        """The bytes under `key`, or (in the window before the move) under its staging key.

        Damaged bytes are refused before the first of them is handed out; a damage
        further into a large file ends its stream with `FileCorrupted`.
        """
        store = self.app.customer_files(customer_id)
        for candidate in (key, staging_key_of(key)):
            try:
                return store.read(candidate)
            except ObjectMissing:
                continue
            except FileCorrupted:
                raise StoredFileDamaged(
                    "The stored file is damaged; it cannot be handed out."
                ) from None
        raise NotFound("The file's bytes are not available.")

    def content(self, principal: Principal, file_id: UUID) -> tuple[ReceivedFile, Iterator[bytes]]:
        authorize(principal, Action.READ)
        received = self.get(principal, file_id)
        received.refuse_unless_scanned()
        return received, self.read_object(received.customer_id, received.object_key)


class SentFiles(Context):
    """Files staff make available to the client on a download page of its own."""

    def receive_request(
        self, principal: Principal, customer_id: UUID, form: UploadForm[datetime | None]
    ) -> Recorded:
        """Staff send the client a file, start to end: the customer is checked before the
        body is read, the one file part is staged (capped), then recorded and made final
        (`send`); `form.details()` is when its download link expires (None: the default).
        Any refusal removes what was staged before it is raised."""
        self.app.customer_of(principal, customer_id)
        target = self.app.uploads.into_customer(principal, customer_id)
        parts = form.files(target.rules.max_file_size, 1)
        uploads = self.app.uploads.stage_parts(target, parts)
        try:
            expires_at = form.details()
        except BaseException:
            self.app.uploads.discard(uploads)
            raise
        return self.send(principal, customer_id, uploads, expires_at)

    def send(
        self,
        principal: Principal,
        customer_id: UUID,
        uploads: Sequence[StoredUpload],
        expires_at: datetime | None,
    ) -> Recorded:
        """Make a file staff staged (`app.uploads.into_customer`) available to the client on
        a download page of its own; refused (not one file, not allowed, ...), the staged
        bytes are removed."""
        try:
            authorize(principal, Action.SEND_FILES)
            self.app.customer_of(principal, customer_id)
            if not uploads:
                raise InvalidValue.single("file", problem("choose_file", "choose a file"))
            if len(uploads) != 1:
                raise InvalidValue.single("file", "send exactly one file")
            recorded = self._record(principal, customer_id, uploads[0], expires_at)
        except BaseException:
            self.app.uploads.discard(uploads)
            raise
        self.app.uploads.promote(uploads[0].temporary_key, sent_key(uploads[0].file_id))
        return recorded

    @command(Action.SEND_FILES)
    def _record(
        self,
        principal: Principal,
        customer_id: UUID,
        upload: StoredUpload,
        expires_at: datetime | None,
    ) -> Recorded:
        now = self.app.now()
        expiry_at = now + SENT_FILE_LIFETIME if expires_at is None else expiry(expires_at, now)
        customer = self.app.customer_of(principal, customer_id)
        token = link_token()
        sent = SentFile(
            organization_id=principal.organization_id,
            customer_id=customer.id,
            token=token,
            token_hash=token_hash(token),
            object_key=sent_key(upload.file_id),
            filename=safe_file_name(upload.original_filename),
            original_filename=upload.original_filename[:1000],
            size=upload.size,
            content_type=upload.content_type,
            sha256=upload.sha256,
            expires_at=expiry_at,
            actor_id=principal.user_id,
        )
        return Recorded(sent.id, self.app.record(sent))

    def get(self, principal: Principal, sent_id: UUID) -> SentFile:
        """A file sent to one of the caller's organisation's customers."""
        sent = self.app.load(sent_id, SentFile)
        if sent.organization_id != principal.organization_id:
            raise NotFound(f"No sent file with id {sent_id}.")
        return sent

    def url(self, sent: SentFile) -> str:
        return f"{self.app.base_url}/d/{sent.token}"

    def public(self, token: str) -> SentFile:
        """The sent file behind a download token, if the client may still have it."""
        if not token or len(token) > 100:
            raise NotFound("No such download.")
        try:
            sent = self.app.load(SentFile.id_for(token_hash(token)), SentFile)
            customer = self.app.load(sent.customer_id, Customer)
        except Erased:
            raise LinkRevoked("This download is no longer available.") from None
        if customer.deleted or sent.revoked:
            raise LinkRevoked("This download is no longer available.")
        if not sent.available(self.app.now()):
            raise LinkExpired("This download has expired.")
        return sent

    def download(self, token: str) -> tuple[SentFile, Iterator[bytes]]:
        """The client downloads: the first download is recorded (`downloaded_at`)."""
        sent = self.public(token)
        content = self.app.files.read_object(sent.customer_id, sent.object_key)

        def attempt() -> None:
            fresh = self.app.load(sent.id, SentFile)
            if fresh.record_download():
                self.app.record(fresh)

        self.app.retrying(attempt)
        return sent, content
