"""Files staff send to a customer, downloaded through a page of their own."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_TOKEN_NAMESPACE = uuid5(NAMESPACE_URL, "https://docintake.example/sent-file")


class SentFile(Aggregate):
    """A file for the client; like an upload link, its id derives from its token's hash."""

    class FileSent(Aggregate.Created):
        organization_id: UUID
        customer_id: UUID
        token: str
        token_hash: str
        object_key: str
        filename: str
        original_filename: str
        size: int
        content_type: str
        sha256: str
        expires_at: datetime
        actor_id: UUID

    class SentFileDownloaded(Aggregate.Event):
        customer_id: UUID

    class SentFileRevoked(Aggregate.Event):
        customer_id: UUID
        actor_id: UUID

    @staticmethod
    def create_id(token_hash: str) -> UUID:
        return uuid5(_TOKEN_NAMESPACE, token_hash)

    @classmethod
    def id_for(cls, token_hash: str) -> UUID:
        return cls.create_id(token_hash)

    @event(FileSent)
    def __init__(
        self,
        organization_id: UUID,
        customer_id: UUID,
        token: str,
        token_hash: str,
        object_key: str,
        filename: str,
        original_filename: str,
        size: int,
        content_type: str,
        sha256: str,
        expires_at: datetime,
        actor_id: UUID,
    ) -> None:
        self.organization_id = organization_id
        self.customer_id = customer_id
        self.token = token
        self.object_key = object_key
        self.filename = filename
        self.size = size
        self.content_type = content_type
        self.sha256 = sha256
        self.expires_at = expires_at
        self.downloaded_at: datetime | None = None
        self.revoked = False

    def available(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at

    def record_download(self) -> bool:
        """The first download is recorded; later ones change nothing."""
        if self.downloaded_at is not None:
            return False
        self._downloaded(customer_id=self.customer_id)
        return True

    @event(SentFileDownloaded)
    def _downloaded(self, customer_id: UUID) -> None:
        self.downloaded_at = self.modified_on

    def revoke(self, actor_id: UUID) -> None:
        if not self.revoked:
            self._revoked(customer_id=self.customer_id, actor_id=actor_id)

    @event(SentFileRevoked)
    def _revoked(self, customer_id: UUID, actor_id: UUID) -> None:
        self.revoked = True
