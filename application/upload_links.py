"""Upload links: staff create, revoke and unlock them; clients upload through them."""

from __future__ import annotations

import enum
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.attempt_limiter import AttemptCounter
from application.command import Context, Recorded, command
from application.errors import Erased, NotFound
from application.passwords import hash_password, verify_password
from application.permissions import Action
from application.principal import Principal
from domain.customer import Customer
from domain.errors import DomainError, InvalidValue, Problem, problem
from domain.organization import Organization
from domain.reminders import ReminderSchedule
from domain.upload_link import (
    MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    LinkNotActive,
    LinkRevoked,
    UploadLink,
    allowed_types,
    requested_items,
)
from domain.user import User
from domain.values import email_address, text_value

if TYPE_CHECKING:
    from application.docintake import DocIntake

DEFAULT_LIFETIME = timedelta(days=30)
LONGEST_LIFETIME = timedelta(days=366)
MAX_FILES_CEILING = 1_000
LINK_PASSWORD_MIN_LENGTH = 6
LINK_PASSWORD_MAX_LENGTH = 200
#: Wrong link passwords per client address (across links) within the window (seconds).
LINK_PASSWORD_FAILURES = 5
LINK_PASSWORD_WINDOW = 15 * 60


class Keep(enum.Enum):
    """A value a change leaves as it is (None is a value: "clear it")."""

    KEEP = "keep"


KEEP = Keep.KEEP


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


def link_token() -> str:
    # 192 bits from the OS's CSPRNG, URL-safe.
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UploadLinks(Context):
    """Staff create, revoke, unlock and send links; clients open them (`public`)."""

    def __init__(self, app: DocIntake, password_attempts: AttemptCounter) -> None:
        super().__init__(app)
        # Wrong passwords per client address, across links (the link itself locks too).
        self.password_attempts = password_attempts

    # Staff ------------------------------------------------------------------------

    @command(Action.MANAGE_LINKS)
    def create(
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
        now = self.app.now()
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
        check("expires_at", lambda: expiry(expires_at, now))
        check("max_file_size", lambda: self.max_file_size(max_file_size))
        check("max_files", lambda: max_files_value(max_files))
        check("allowed_types", lambda: allowed_types(allowed_types_value))
        check("password", lambda: link_password(password))
        if template_id is not None:
            try:
                template = self.app.templates.get(principal, template_id)
            except NotFound:
                problems["template_id"] = "is not a template of this organisation"
            else:
                if requested_items_value is None:
                    # Copied: the link keeps its own list, editable, whatever the template becomes.
                    requested_items_value = [dict(item) for item in template["items"]]
        check("requested_items", lambda: requested_items(requested_items_value))
        check("due_at", lambda: due(due_at, now, values.get("expires_at")))
        if problems:
            raise InvalidValue(problems)
        customer = self.app.customer_of(principal, customer_id)
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
        return Recorded(link.id, self.app.record(link))

    @command(Action.MANAGE_LINKS)
    def set_due(self, principal: Principal, link_id: UUID, due_at: datetime | None) -> Recorded:
        """Set or clear the link's due date; its reminder schedule starts again from now."""
        moment = due(due_at, self.app.now(), None)
        link = self.get(principal, link_id)
        link.set_due(moment, principal.user_id, self.app.now())
        return Recorded(link.id, self.app.record(link))

    @command(Action.MANAGE_LINKS)
    def change(
        self,
        principal: Principal,
        link_id: UUID,
        *,
        due_at: datetime | Keep | None = KEEP,
        reminders_enabled: object = KEEP,
        schedule: object = KEEP,
    ) -> Recorded:
        """Change any of: the due date (None clears it; the schedule counts from now), the
        reminders switch, the link's own schedule (None: the organisation's again). All or
        nothing: every problem is named, nothing is recorded while one remains."""
        now = self.app.now()
        link = self.get(principal, link_id)
        problems: dict[str, str | Problem] = {}
        moment: datetime | None = None
        own: ReminderSchedule | None = None
        if not isinstance(due_at, Keep):
            try:
                moment = due(due_at, now, link.expires_at)
            except InvalidValue as invalid:
                problems.update(invalid.problems)
        if reminders_enabled is not KEEP and not isinstance(reminders_enabled, bool):
            problems["reminders.enabled"] = "must be true or false"
        if schedule is not KEEP and schedule is not None:
            try:
                own = ReminderSchedule.parse(schedule, "reminders.schedule")
            except InvalidValue as invalid:
                problems.update(invalid.problems)
        if problems:
            raise InvalidValue(problems)
        if not isinstance(due_at, Keep):
            link.set_due(moment, principal.user_id, now)
        if isinstance(reminders_enabled, bool):
            link.switch_reminders(reminders_enabled, principal.user_id)
        if schedule is not KEEP:
            link.set_reminder_schedule(own, principal.user_id)
        return Recorded(link.id, self.app.record(link))

    @command(Action.MANAGE_LINKS)
    def switch_reminders(self, principal: Principal, link_id: UUID, enabled: bool) -> Recorded:
        link = self.get(principal, link_id)
        link.switch_reminders(enabled, principal.user_id)
        return Recorded(link.id, self.app.record(link))

    @command(Action.SEND_LINKS)
    def remind_by_hand(self, principal: Principal, link_id: UUID) -> Recorded:
        """Record one reminder now (a job mails it): only for an active link that was sent
        by e-mail, to a customer with an address, while something is still missing."""
        link = self.get(principal, link_id)
        customer = self.app.customer_of(principal, link.customer_id)
        reason = link.why_not_remind(customer.email, False, self.app.now())
        if reason is not None:
            raise LinkNotActive(f"No reminder: {reason}.")
        link.remind(None, principal.user_id, self.app.now())
        return Recorded(link.id, self.app.record(link))

    def cap(self, link: UploadLink) -> int:
        """The largest file the link takes (its own cap, at most this deployment's)."""
        return min(link.max_file_size, self.app.max_upload_size)

    def max_file_size(self, value: object) -> int:
        if value is None:
            return self.app.max_upload_size
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidValue.single(
                "max_file_size",
                problem("size_not_positive", "must be a whole number of bytes above 0"),
            )
        if value > self.app.max_upload_size:
            raise InvalidValue.single(
                "max_file_size",
                problem(
                    "size_above_ceiling",
                    f"must be at most {self.app.max_upload_size} bytes (this deployment)",
                    max_size=self.app.max_upload_size,
                ),
            )
        return value

    def get(self, principal: Principal, link_id: UUID) -> UploadLink:
        """The link, if it belongs to the caller's organisation and its customer is live."""
        link = self.app.load(link_id, UploadLink)
        if link.organization_id != principal.organization_id:
            raise NotFound(f"No upload link with id {link_id}.")
        self.app.customer_of(principal, link.customer_id)
        return link

    @command(Action.MANAGE_LINKS)
    def revoke(self, principal: Principal, link_id: UUID) -> Recorded:
        link = self.get(principal, link_id)
        link.revoke(principal.user_id)
        return Recorded(link.id, self.app.record(link))

    @command(Action.MANAGE_LINKS)
    def extend(self, principal: Principal, link_id: UUID, expires_at: datetime | None) -> Recorded:
        """Move an active link's expiry later (within a year from now)."""
        moment = new_expiry(expires_at, self.app.now())
        link = self.get(principal, link_id)
        link.extend(moment, principal.user_id, self.app.now())
        return Recorded(link.id, self.app.record(link))

    @command(Action.MANAGE_LINKS)
    def reactivate(
        self, principal: Principal, link_id: UUID, expires_at: datetime | None
    ) -> Recorded:
        """Make a revoked or expired link valid again until `expires_at` (within a year)."""
        moment = new_expiry(expires_at, self.app.now())
        link = self.get(principal, link_id)
        link.reactivate(moment, principal.user_id, self.app.now())
        return Recorded(link.id, self.app.record(link))

    @command(Action.MANAGE_LINKS)
    def unlock(self, principal: Principal, link_id: UUID) -> Recorded:
        """Let clients try the password again after the link locked itself."""
        link = self.get(principal, link_id)
        link.unlock(principal.user_id)
        return Recorded(link.id, self.app.record(link))

    @command(Action.SEND_LINKS)
    def request_send(
        self, principal: Principal, link_id: UUID, to: str | None, message: str | None
    ) -> Recorded:
        """Record that staff asked to e-mail the link; a job sends it.

        Without `to`, the customer's e-mail address is used.
        """
        text = text_value(message, "message", max_length=MESSAGE_MAX_LENGTH, multiline=True)
        recipient = email_address(to, "to") if to is not None else None
        link = self.get(principal, link_id)
        customer = self.app.customer_of(principal, link.customer_id)
        address = recipient or customer.email
        if not address:
            raise InvalidValue.single(
                "to",
                problem("customer_without_email", "the customer has no e-mail address; give one"),
            )
        link.request_send(address, text, principal.user_id, self.app.now())
        return Recorded(link.id, self.app.record(link))

    def url(self, link: UploadLink) -> str:
        return f"{self.app.base_url}/u/{link.token}"

    # The client's side ---------------------------------------------------------------

    def public(self, token: str) -> UploadLink:
        """The link behind a token, if it may be used now (404 unknown; 410 revoked/expired)."""
        if not token or len(token) > 100:
            raise NotFound("No such upload link.")
        try:
            link = self.app.load(UploadLink.id_for(token_hash(token)), UploadLink)
            # Deleting the customer stops its links at once, whatever is recorded on them.
            customer = self.app.load(link.customer_id, Customer)
        except Erased:
            raise LinkRevoked("This upload link has been revoked.") from None
        if customer.deleted:
            raise LinkRevoked(
                "This upload link has been revoked.",
                organization_id=link.organization_id,
                contact_id=link.contact_id,
            )
        link.refuse_if_unusable(self.app.now())
        return link

    def check_password(self, link: UploadLink, password: str | None, client: str) -> None:
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
            fresh = self.app.load(link.id, UploadLink)
            fresh.password_failed()
            self.app.record(fresh)

        self.app.retrying(attempt)
        raise PasswordInvalid("The password is wrong.")

    def organization_name(self, organization_id: UUID) -> str:
        """Who asks, as the client sees it on the public pages."""
        return self.app.load(organization_id, Organization).name

    def office_contact(self, organization_id: UUID, contact_id: object) -> str | None:
        """The address a client reaches the office at about a link: the organisation's reply
        address for client mails, else the staff member who sent (or made) the link while
        they are a member; None when there is neither."""
        reply_to = self.app.branding.of_organization(organization_id).reply_to
        if reply_to:
            return reply_to
        if not isinstance(contact_id, UUID):
            return None
        organization = self.app.load(organization_id, Organization)
        if organization.role_of(contact_id) is None:
            return None
        return str(self.app.load(contact_id, User).email)

    def organization_face(self, organization_id: UUID) -> OrganizationFace:
        """What people are shown of the organisation: its name, and the zone and language
        it writes times and mails in."""
        organization = self.app.load(organization_id, Organization)
        return OrganizationFace(
            name=organization.name,
            time_zone=organization.time_zone,
            language=organization.language,
        )


def expiry(value: datetime | None, now: datetime) -> datetime:
    if value is None:
        return now + DEFAULT_LIFETIME
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    if moment <= now:
        raise InvalidValue.single("expires_at", problem("not_in_future", "must be in the future"))
    if moment > now + LONGEST_LIFETIME:
        raise InvalidValue.single("expires_at", problem("beyond_a_year", "must be within a year"))
    return moment.astimezone(UTC)


def new_expiry(value: datetime | None, now: datetime) -> datetime:
    """The expiry given to extend or reactivate a link: required, in the future, within a year."""
    if value is None:
        raise InvalidValue.single("expires_at", problem("required", "is required"))
    return expiry(value, now)


def due(value: datetime | None, now: datetime, expires_at: datetime | None) -> datetime | None:
    if value is None:
        return None
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if moment <= now:
        raise InvalidValue.single("due_at", problem("not_in_future", "must be in the future"))
    if expires_at is not None and moment > expires_at:
        raise InvalidValue.single(
            "due_at", problem("due_after_expiry", "must not be after expires_at")
        )
    return moment


def max_files_value(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_FILES_CEILING:
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


def link_password(value: object) -> str | None:
    """The hash of a new link password (None: no password)."""
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
    if any(unicodedata.category(character) == "Cc" for character in value):
        # No one could type it into the upload page's password field: a link nobody opens.
        raise InvalidValue.single(
            "password", problem("control_characters", "must not contain control characters")
        )
    return hash_password(value)
