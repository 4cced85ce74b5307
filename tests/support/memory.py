"""The application on the library's in-memory persistence (POPO), for command tests.

The file store and the mailer keep what they are given in dictionaries and lists, the
webhook sealer seals with a named key, the webhook sender only judges addresses, and the
read models the commands consult (inbox notices, delivery log) answer from lists the
test fills: fakes in the sense of Cosmic Python's FakeRepository, so the fast ring of
tests does no I/O. The real adapters are tested against real servers elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import urlsplit
from uuid import UUID

from application.collaborators import Collaborators
from application.docintake import DocIntake
from application.ports import ObjectMissing
from application.resumable_uploads import StagedUpload, StagingBusy, StagingMissing
from application.webhook_log import Delivery
from application.webhook_ports import WebhookRefused, WebhookRequest
from application.webhooks import WebhookParts
from domain.webhook_address import literal_address, refused_address
from projections.inbox import Notice
from projections.webhook_endpoints import EndpointRow


class MemoryWriter:
    def __init__(self, store: MemoryFileStore, key: str) -> None:
        self.store = store
        self.key = key
        self.chunks: list[bytes] = []

    def write(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    def commit(self) -> None:
        self.store.objects[self.key] = (b"".join(self.chunks), datetime.now(UTC))

    def abort(self) -> None:
        self.chunks = []


class MemoryFileStore:
    """Objects in a dictionary: key -> (bytes, modified)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, datetime]] = {}

    def writer(self, key: str) -> MemoryWriter:
        return MemoryWriter(self, key)

    def promote(self, temporary_key: str, final_key: str) -> None:
        if temporary_key in self.objects:
            self.objects[final_key] = self.objects.pop(temporary_key)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        if key not in self.objects:
            raise ObjectMissing(key)
        content = self.objects[key][0]
        return iter([content[i : i + chunk_size] for i in range(0, len(content), chunk_size)])

    def exists(self, key: str) -> bool:
        return key in self.objects

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def list(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        return iter([(k, m) for k, (_, m) in self.objects.items() if k.startswith(prefix)])

    def remove_abandoned(self, before: datetime) -> int:
        return 0

    def check(self) -> None:
        return None


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


class MemorySealer:
    """Seals as `key:base64(secret XOR the key's hash)`: the secret does not show, and only
    the same key opens it (as the master key's sealer refuses another key's secrets)."""

    def __init__(self, key: str = "schlüssel-1") -> None:
        self.key = key
        self._pad = hashlib.sha256(key.encode()).digest()

    def _mask(self, data: bytes) -> bytes:
        return bytes(b ^ p for b, p in zip(data, itertools.cycle(self._pad), strict=False))

    def seal(self, secret: bytes) -> str:
        return f"{self.key}:{base64.b64encode(self._mask(secret)).decode()}"

    def open(self, sealed: str) -> bytes:
        key, _, text = sealed.partition(":")
        if key != self.key:
            raise ValueError("sealed with another key")
        return self._mask(base64.b64decode(text))


class MemoryWebhookSender:
    """Judges a URL by the domain's address rules (literal addresses only: no name is
    resolved); sends nothing, it keeps the requests."""

    def __init__(self) -> None:
        self.sent: list[WebhookRequest] = []

    def check(self, url: str) -> None:
        address = literal_address(urlsplit(url).hostname or "")
        reason = refused_address(address) if address is not None else None
        if reason is not None:
            raise WebhookRefused(f"{reason} address")

    def post(self, request: WebhookRequest) -> int:
        self.sent.append(request)
        return 204


class MemoryEndpointList:
    def __init__(self) -> None:
        self.rows: list[EndpointRow] = []

    def of_organization(self, organization_id: UUID) -> list[EndpointRow]:
        return [row for row in self.rows if row.organization_id == organization_id]


class MemoryDeliveryLog:
    """The deliveries a test put in, newest first."""

    def __init__(self) -> None:
        self.kept: list[Delivery] = []

    def deliveries(self, endpoint_id: UUID, limit: int = 100) -> list[Delivery]:
        return [d for d in reversed(self.kept) if d.endpoint_id == endpoint_id][:limit]

    def delivery(self, delivery_id: UUID) -> Delivery | None:
        return next((d for d in self.kept if d.id == delivery_id), None)


def memory_webhooks() -> WebhookParts:
    return WebhookParts(
        sealer=MemorySealer(),
        sender=MemoryWebhookSender(),
        endpoints=MemoryEndpointList(),
        log=MemoryDeliveryLog(),
    )


class MemoryInbox:
    """Notices a test put in, each with its organisation; `read` holds the notice ids a
    member has read, as (member id, notice id)."""

    def __init__(self) -> None:
        self.kept: list[tuple[UUID, Notice]] = []
        self.read: set[tuple[UUID, UUID]] = set()

    def _seen(
        self, organization_id: UUID, since: datetime, hidden_kinds: Collection[str]
    ) -> list[Notice]:
        return [
            notice
            for organization, notice in self.kept
            if organization == organization_id
            and notice.at >= since
            and notice.kind not in hidden_kinds
        ]

    def notices(
        self,
        organization_id: UUID,
        member_id: UUID,
        since: datetime,
        hidden_kinds: Collection[str],
        limit: int = 50,
    ) -> list[Notice]:
        seen = sorted(self._seen(organization_id, since, hidden_kinds), key=lambda n: n.at)
        return list(reversed(seen))[:limit]

    def unread(
        self,
        organization_id: UUID,
        member_id: UUID,
        since: datetime,
        hidden_kinds: Collection[str],
    ) -> list[UUID]:
        return [
            notice.id
            for notice in self._seen(organization_id, since, hidden_kinds)
            if (member_id, notice.id) not in self.read
        ]


class MemoryAppending:
    def __init__(self, staging: MemoryStaging, upload_id: UUID) -> None:
        self.staging = staging
        self.upload_id = upload_id
        self.offset = len(staging.bytes[upload_id])
        self.pending: list[bytes] = []

    def write(self, chunk: bytes) -> None:
        self.pending.append(chunk)

    def commit(self) -> int:
        self.staging.bytes[self.upload_id] += b"".join(self.pending)
        self.pending = []
        return len(self.staging.bytes[self.upload_id])


class MemoryStaging:
    """Unfinished resumable uploads in dictionaries: what was committed stays, what was
    written and not committed is dropped; one request appends to an upload at a time."""

    def __init__(self) -> None:
        self.uploads: dict[UUID, StagedUpload] = {}
        self.bytes: dict[UUID, bytearray] = {}
        self.expiry: dict[UUID, float] = {}
        self.busy: set[UUID] = set()

    def create(self, upload: StagedUpload) -> None:
        self.uploads[upload.upload_id] = upload
        self.bytes[upload.upload_id] = bytearray()

    def describe(self, upload_id: UUID) -> StagedUpload:
        if upload_id not in self.uploads:
            raise StagingMissing(str(upload_id))
        return self.uploads[upload_id]

    def offset(self, upload_id: UUID) -> int:
        self.describe(upload_id)
        return len(self.bytes[upload_id])

    @contextmanager
    def appending(self, upload_id: UUID) -> Iterator[MemoryAppending]:
        self.describe(upload_id)
        if upload_id in self.busy:
            raise StagingBusy(str(upload_id))
        self.busy.add(upload_id)
        try:
            yield MemoryAppending(self, upload_id)
        finally:
            self.busy.discard(upload_id)

    def read(self, upload_id: UUID) -> Iterator[bytes]:
        return iter([bytes(self.bytes[upload_id])])

    def head(self, upload_id: UUID, size: int) -> bytes:
        return bytes(self.bytes[upload_id][:size])

    def deliver(self, upload_id: UUID, key: str) -> str | None:
        return None  # the bytes go through the upload use case

    def delete(self, upload_id: UUID) -> None:
        for kept in (self.uploads, self.bytes, self.expiry):
            kept.pop(upload_id, None)

    def expired(self, now: float) -> list[UUID]:
        return [upload_id for upload_id, at in self.expiry.items() if at <= now]

    def set_expiry(self, upload_id: UUID, expires_at: float) -> None:
        self.expiry[upload_id] = expires_at


def memory_app(**limits: object) -> DocIntake:
    """A fresh application on POPO persistence (every event is still transcoded)."""
    collaborators = Collaborators(
        file_store=MemoryFileStore(),
        mailer=MemoryMailer(),
        **({"webhooks": memory_webhooks(), "inbox": MemoryInbox()} | limits),  # type: ignore[arg-type]
    )
    return DocIntake(collaborators, env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
