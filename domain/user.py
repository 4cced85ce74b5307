"""Professionals who sign in, the index that keeps their e-mail unique, and API tokens."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_EMAIL_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/user-email")
_TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/api-token")


class User(Aggregate):
    """A professional with a login; the password is stored only as an argon2 hash.

    `tokens` lists the user's live API tokens (id hex -> name and ISO creation
    time) so they can be listed without a read model; the secrets are never here.
    `upload_notifications` says whether the person is e-mailed when clients upload.
    """

    # Version 2 added `upload_notifications`.
    class_version = 2

    class UserRegistered(Aggregate.Created):
        email: str
        name: str | None
        password_hash: str
        organization_id: UUID
        actor_id: UUID | None

    class PasswordRehashed(Aggregate.Event):
        password_hash: str
        actor_id: UUID

    class PasswordChanged(Aggregate.Event):
        password_hash: str
        actor_id: UUID

    class NameChanged(Aggregate.Event):
        name: str | None
        actor_id: UUID

    class ApiTokenAdded(Aggregate.Event):
        token_id: UUID
        name: str
        actor_id: UUID

        def apply(self, aggregate: Any) -> None:
            # An explicit apply because the listing shows the event's own timestamp.
            aggregate.tokens[self.token_id.hex] = {
                "name": self.name,
                "created_at": self.timestamp.isoformat(),
            }

    class ApiTokenRemoved(Aggregate.Event):
        token_id: UUID
        actor_id: UUID

    class UploadNotificationsChanged(Aggregate.Event):
        enabled: bool
        actor_id: UUID

    @event(UserRegistered)
    def __init__(
        self,
        id: UUID,
        email: str,
        name: str | None,
        password_hash: str,
        organization_id: UUID,
        actor_id: UUID | None,
    ) -> None:
        self.email = email
        self.name = name
        self.password_hash = password_hash
        self.organization_id = organization_id
        self.tokens: dict[str, dict[str, str]] = {}
        self.upload_notifications = True

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Snapshots from before the setting: everyone was notified."""
        state["upload_notifications"] = True

    @event(PasswordRehashed)
    def rehash_password(self, password_hash: str, actor_id: UUID) -> None:
        self.password_hash = password_hash

    @event(PasswordChanged)
    def change_password(self, password_hash: str, actor_id: UUID) -> None:
        self.password_hash = password_hash

    def rename(self, name: str | None, actor_id: UUID) -> bool:
        if name == self.name:
            return False
        self._name_changed(name=name, actor_id=actor_id)
        return True

    @event(NameChanged)
    def _name_changed(self, name: str | None, actor_id: UUID) -> None:
        self.name = name

    def add_token(self, token_id: UUID, name: str, actor_id: UUID) -> None:
        self.trigger_event(self.ApiTokenAdded, token_id=token_id, name=name, actor_id=actor_id)

    def remove_token(self, token_id: UUID, actor_id: UUID) -> bool:
        if token_id.hex not in self.tokens:
            return False
        self._token_removed(token_id=token_id, actor_id=actor_id)
        return True

    @event(ApiTokenRemoved)
    def _token_removed(self, token_id: UUID, actor_id: UUID) -> None:
        self.tokens.pop(token_id.hex, None)

    def notify_about_uploads(self, enabled: bool, actor_id: UUID) -> bool:
        """Switch the upload notification mails on or off for this person."""
        if enabled == self.upload_notifications:
            return False
        self._upload_notifications_changed(enabled=enabled, actor_id=actor_id)
        return True

    @event(UploadNotificationsChanged)
    def _upload_notifications_changed(self, enabled: bool, actor_id: UUID) -> None:
        self.upload_notifications = enabled

    def token_ids(self) -> list[UUID]:
        return [UUID(hex=token) for token in self.tokens]

    @property
    def display_name(self) -> str:
        """The name to show for this person: the name, or the e-mail address without one."""
        return self.name or self.email


class UserEmail(Aggregate):
    """Claims an e-mail address for one user: a second claim conflicts on creation."""

    class UserEmailClaimed(Aggregate.Created):
        email: str
        user_id: UUID

    @staticmethod
    def create_id(email: str) -> UUID:
        return uuid5(_EMAIL_NAMESPACE, email.casefold())

    @event(UserEmailClaimed)
    def __init__(self, email: str, user_id: UUID) -> None:
        self.user_id = user_id

    @classmethod
    def id_for(cls, email: str) -> UUID:
        return cls.create_id(email)


class ApiToken(Aggregate):
    """A bearer token, addressed by a hash of its secret (the secret itself is never stored)."""

    class ApiTokenIssued(Aggregate.Created):
        token_hash: str
        user_id: UUID
        organization_id: UUID
        name: str
        actor_id: UUID

    class ApiTokenRevoked(Aggregate.Event):
        actor_id: UUID

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(_TOKEN_NAMESPACE, token_hash)

    @event(ApiTokenIssued)
    def __init__(
        self, token_hash: str, user_id: UUID, organization_id: UUID, name: str, actor_id: UUID
    ) -> None:
        self.user_id = user_id
        self.organization_id = organization_id
        self.name = name
        self.revoked = False

    @classmethod
    def id_for(cls, token_hash: str) -> UUID:
        return cls.create_id(token_hash)

    @event(ApiTokenRevoked)
    def revoke(self, actor_id: UUID) -> None:
        self.revoked = True
