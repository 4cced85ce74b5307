"""Upload links: staff create, revoke and unlock them; clients upload through them."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from application.attempt_limiter import AttemptCounter, AttemptLimiter
from application.base import DocIntakeBase
from application.customers import Recorded
from application.document_templates import template_of
from application.errors import Erased, NotFound
from application.passwords import hash_password, verify_password
from application.permissions import Action, authorize
from application.principal import Principal
from domain.customer import Customer
from domain.errors import DomainError, InvalidValue, Problem, problem
from domain.file_name import safe_file_name
from domain.organization import Organization
from domain.received_file import ReceivedFile
from domain.upload_link import (
    MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    LinkNotActive,
    LinkRevoked,
    UploadLink,
    allowed_types,
    requested_items,
)
from domain.values import email_address, person_name, text_value

log = logging.getLogger(__name__)

DEFAULT_LIFETIME = timedelta(days=30)
LONGEST_LIFETIME = timedelta(days=366)
MAX_FILES_CEILING = 1_000
LINK_PASSWORD_MIN_LENGTH = 6
LINK_PASSWORD_MAX_LENGTH = 200


@dataclass(frozen=True)
class OrganizationFace:
    name: str
    time_zone: str
    language: str


class PasswordRequired(DomainError):
    code = "password_required"


class PasswordInvalid(DomainError):
    code = "password_invalid"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, round(retry_after)))}


@dataclass(frozen=True)
class StoredUpload:
    """Bytes already written under a temporary key, waiting to be recorded."""

    file_id: UUID
    temporary_key: str
    original_filename: str
    size: int
    sha256: str
    content_type: str


def link_token() -> str:
    # 192 bits from the OS's CSPRNG, URL-safe.
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def incoming_key(file_id: UUID) -> str:
    return f"incoming/{file_id}"


def file_key(file_id: UUID) -> str:
    return f"files/{file_id}"


class UploadLinkCommands(DocIntakeBase):
    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        # Wrong passwords per client address, across links (the link itself locks too).
        self.password_attempts: AttemptCounter = AttemptLimiter(limit=5, window=15 * 60)

    def now(self) -> datetime:
        return datetime.now(UTC)

    # Staff ------------------------------------------------------------------------

    def create_link(
        self,
        principal: Principal,
        customer_id: UUID,
        *,
        title: object = None,
        message: object = None,
        expires_at: datetime | None = None,
        max_file_size: object = None,
        max_files: object = None,
        allowed_types_value: object = None,
        password: object = None,
        requested_items_value: object = None,
        due_at: datetime | None = None,
        reminders_enabled: bool = True,
        template_id: UUID | None = None,
    ) -> Recorded:
        """Create a link for a customer (assigned to it for good), with an optional due date
        (before its expiry) and automatic reminders unless switched off."""
        authorize(principal, Action.MANAGE_LINKS)
        now = self.now()
        problems: dict[str, str | Problem] = {}
        values: dict[str, Any] = {}

        def check(field: str, parse: Any) -> None:
            try:
                values[field] = parse()
            except InvalidValue as invalid:
                problems.update(invalid.problems)

        check("title", lambda: text_value(title, "title", max_length=TITLE_MAX_LENGTH))
        check(
            "message",
            lambda: text_value(message, "message", max_length=MESSAGE_MAX_LENGTH, multiline=True),
        )
        check("expires_at", lambda: self._expiry(expires_at, now))
        check("max_file_size", lambda: self._max_file_size(max_file_size))
        check("max_files", lambda: self._max_files(max_files))
        check("allowed_types", lambda: allowed_types(allowed_types_value))
        check("password", lambda: self._link_password(password))
        if template_id is not None:
            try:
                template = template_of(self, principal, template_id)  # type: ignore[arg-type]
            except NotFound:
                problems["template_id"] = "is not a template of this organisation"
            else:
                if requested_items_value is None:
                    # Copied: the link keeps its own list, editable, whatever the template becomes.
                    requested_items_value = [dict(item) for item in template["items"]]
        check("requested_items", lambda: requested_items(requested_items_value))
        check("due_at", lambda: self._due(due_at, now, values.get("expires_at")))
        if problems:
            raise InvalidValue(problems)
        customer = self.customer_of(principal, customer_id)
        token = link_token()
        link = UploadLink(
            organization_id=principal.organization_id,
            customer_id=customer.id,
            token=token,
            token_hash=token_hash(token),
            title=values["title"],
            message=values["message"],
            expires_at=values["expires_at"],
            max_file_size=values["max_file_size"],
            max_files=values["max_files"],
            allowed_types=values["allowed_types"],
            password_hash=values["password"],
            requested_items=values["requested_items"],
            actor_id=principal.user_id,
        )
        if template_id is not None:
            link.trigger_event(
                UploadLink.TemplateUsed, customer_id=customer.id, template_id=template_id
            )
        if values["due_at"] is not None:
            link.set_due(values["due_at"], principal.user_id, now)
        if not reminders_enabled:
            link.switch_reminders(False, principal.user_id)
        return Recorded(link.id, self.record(link))

    @staticmethod
    def _due(value: datetime | None, now: datetime, expires_at: datetime | None) -> datetime | None:
        if value is None:
            return None
        moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        if moment <= now:
            raise InvalidValue.single("due_at", "must be in the future")
        if expires_at is not None and moment > expires_at:
            raise InvalidValue.single("due_at", "must not be after expires_at")
        return moment

    def set_link_due(
        self, principal: Principal, link_id: UUID, due_at: datetime | None
    ) -> Recorded:
        """Set or clear the link's due date; its reminder schedule starts again from now."""
        authorize(principal, Action.MANAGE_LINKS)
        moment = self._due(due_at, self.now(), None)

        def attempt() -> Recorded:
            link = self.link_of(principal, link_id)
            link.set_due(moment, principal.user_id, self.now())
            return Recorded(link.id, self.record(link))

        return self.retrying(attempt)

    def switch_link_reminders(self, principal: Principal, link_id: UUID, enabled: bool) -> Recorded:
        authorize(principal, Action.MANAGE_LINKS)

        def attempt() -> Recorded:
            link = self.link_of(principal, link_id)
            link.switch_reminders(enabled, principal.user_id)
            return Recorded(link.id, self.record(link))

        return self.retrying(attempt)

    def remind_by_hand(self, principal: Principal, link_id: UUID) -> Recorded:
        """Record one reminder now (a job mails it): only for an active link that was sent
        by e-mail, to a customer with an address, while something is still missing."""
        authorize(principal, Action.SEND_LINKS)

        def attempt() -> Recorded:
            link = self.link_of(principal, link_id)
            customer = self.customer_of(principal, link.customer_id)
            reason = link.why_not_remind(customer.email, False, self.now())
            if reason is not None:
                raise LinkNotActive(f"No reminder: {reason}.")
            link.remind(None, principal.user_id, self.now())
            return Recorded(link.id, self.record(link))

        return self.retrying(attempt)

    def _expiry(self, value: datetime | None, now: datetime) -> datetime:
        if value is None:
            return now + DEFAULT_LIFETIME
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        if moment <= now:
            raise InvalidValue.single(
                "expires_at", problem("not_in_future", "must be in the future")
            )
        if moment > now + LONGEST_LIFETIME:
            raise InvalidValue.single(
                "expires_at", problem("beyond_a_year", "must be within a year")
            )
        return moment.astimezone(UTC)

    def _max_file_size(self, value: object) -> int:
        if value is None:
            return self.max_upload_size
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidValue.single(
                "max_file_size",
                problem("size_not_positive", "must be a whole number of bytes above 0"),
            )
        if value > self.max_upload_size:
            raise InvalidValue.single(
                "max_file_size",
                problem(
                    "size_above_ceiling",
                    f"must be at most {self.max_upload_size} bytes (this deployment)",
                    max_size=self.max_upload_size,
                ),
            )
        return value

    @staticmethod
    def _max_files(value: object) -> int | None:
        if value is None:
            return None
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not 1 <= value <= MAX_FILES_CEILING
        ):
            raise InvalidValue.single(
                "max_files",
                problem(
                    "number_range",
                    f"must be a whole number 1..{MAX_FILES_CEILING}",
                    low=1,
                    high=MAX_FILES_CEILING,
                ),
            )
        return value

    @staticmethod
    def _link_password(value: object) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not (
            LINK_PASSWORD_MIN_LENGTH <= len(value) <= LINK_PASSWORD_MAX_LENGTH
        ):
            raise InvalidValue.single(
                "password",
                problem(
                    "length_range",
                    f"must be {LINK_PASSWORD_MIN_LENGTH}..{LINK_PASSWORD_MAX_LENGTH} characters",
                    low=LINK_PASSWORD_MIN_LENGTH,
                    high=LINK_PASSWORD_MAX_LENGTH,
                ),
            )
        return hash_password(value)

    def link_of(self, principal: Principal, link_id: UUID) -> UploadLink:
        link = self.load(link_id, UploadLink)
        if link.organization_id != principal.organization_id:
            raise NotFound(f"No upload link with id {link_id}.")
        self.customer_of(principal, link.customer_id)
        return link

    def revoke_link(self, principal: Principal, link_id: UUID) -> Recorded:
        authorize(principal, Action.MANAGE_LINKS)

        def attempt() -> Recorded:
            link = self.link_of(principal, link_id)
            link.revoke(principal.user_id)
            return Recorded(link.id, self.record(link))

        return self.retrying(attempt)

    def unlock_link(self, principal: Principal, link_id: UUID) -> Recorded:
        """Let clients try the password again after the link locked itself."""
        authorize(principal, Action.MANAGE_LINKS)

        def attempt() -> Recorded:
            link = self.link_of(principal, link_id)
            link.unlock(principal.user_id)
            return Recorded(link.id, self.record(link))

        return self.retrying(attempt)

    def request_link_send(
        self, principal: Principal, link_id: UUID, to: object, message: object
    ) -> Recorded:
        """Record that staff asked to e-mail the link; a job sends it.

        Without `to`, the customer's e-mail address is used.
        """
        authorize(principal, Action.SEND_LINKS)
        text = text_value(message, "message", max_length=MESSAGE_MAX_LENGTH, multiline=True)
        recipient = email_address(to, "to") if to is not None else None

        def attempt() -> Recorded:
            link = self.link_of(principal, link_id)
            customer = self.customer_of(principal, link.customer_id)
            address = recipient or customer.email
            if not address:
                raise InvalidValue.single(
                    "to",
                    problem(
                        "customer_without_email", "the customer has no e-mail address; give one"
                    ),
                )
            link.request_send(address, text, principal.user_id, self.now())
            return Recorded(link.id, self.record(link))

        return self.retrying(attempt)

    def link_url(self, link: UploadLink) -> str:
        return f"{self.base_url}/u/{link.token}"

    # The client's side ---------------------------------------------------------------

    def public_link(self, token: str) -> UploadLink:
        """The link behind a token, if it may be used now (404 unknown; 410 revoked/expired)."""
        if not token or len(token) > 100:
            raise NotFound("No such upload link.")
        try:
            link = self.load(UploadLink.id_for(token_hash(token)), UploadLink)
            # Deleting the customer stops its links at once, whatever is recorded on them.
            customer = self.load(link.customer_id, Customer)
        except Erased:
            raise LinkRevoked("This upload link has been revoked.") from None
        if customer.deleted:
            raise LinkRevoked(
                "This upload link has been revoked.", organization_id=link.organization_id
            )
        link.refuse_if_unusable(self.now())
        return link

    def check_link_password(self, link: UploadLink, password: str | None, client: str) -> None:
        """Pass, or refuse: missing/wrong password, too many failures from here, link locked."""
        if link.password_hash is None:
            return
        wait = self.password_attempts.retry_after(client)
        if wait > 0:
            raise RateLimited("Too many wrong passwords; try again later.", wait)
        if not password:
            raise PasswordRequired("This link needs a password.")
        if verify_password(link.password_hash, password):
            return
        self.password_attempts.failed(client)

        def attempt() -> None:
            fresh = self.load(link.id, UploadLink)
            fresh.password_failed()
            self.record(fresh)

        self.retrying(attempt)
        raise PasswordInvalid("The password is wrong.")

    def record_uploads(
        self,
        link_id: UUID,
        uploads: list[StoredUpload],
        *,
        item_id: UUID | None,
        uploader_name: object,
        uploader_email: object,
    ) -> Recorded:
        """Record what arrived, in one transaction with the link's count and, for the first
        upload of an open customer, the automatic status change; then make the bytes final.

        Raises the link's refusal (expired, full, ...) when it no longer takes files; the
        caller then removes the temporary bytes.
        """
        name = person_name(uploader_name, "uploader_name")
        email = email_address(uploader_email, "uploader_email")

        def attempt() -> Recorded:
            try:
                link = self.load(link_id, UploadLink)
                customer = self.load(link.customer_id, Customer)
            except Erased:
                raise LinkRevoked("This upload link has been revoked.") from None
            if customer.deleted:
                raise LinkRevoked("This upload link has been revoked.")
            now = self.now()
            files = []
            for upload in uploads:
                link.receive(upload.file_id, item_id, now)
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
                        scan_state=self.initial_scan_state,
                    )
                )
            changed = customer.mark_first_upload(actor_id=None)
            position = self.record(link, *files, customer if changed else None)
            return Recorded(link.id, position)

        recorded = self.retrying(attempt)
        for upload in uploads:
            self.finish_move(upload.temporary_key, file_key(upload.file_id))
        return recorded

    def finish_move(self, temporary_key: str, final_key: str) -> None:
        """Move recorded bytes to their final key.

        The upload is recorded already, so a failure here is not the client's: the
        bytes stay readable under the temporary key and the sweeper finishes the move
        (as it does after a crash at this point).
        """
        try:
            self.file_store.promote(temporary_key, final_key)
        except Exception:
            log.warning("moving %s failed; the storage sweeper will finish it", temporary_key)

    def organization_name(self, organization_id: UUID) -> str:
        """Who asks, as the client sees it on the public pages."""
        return self.load(organization_id, Organization).name

    def organization_face(self, organization_id: UUID) -> OrganizationFace:
        """What people are shown of the organisation: its name, and the zone and language
        it writes times and mails in."""
        organization = self.load(organization_id, Organization)
        return OrganizationFace(
            name=organization.name,
            time_zone=organization.time_zone,
            language=organization.language,
        )
