"""A webhook endpoint: where an organisation wants to hear about its events, and how we sign.

Its secrets are kept sealed (wrapped by the master key, see the application's
`SecretSealer`): the events hold only the sealed form, so the event store never
holds a secret in clear text. Rotating adds a new secret and lets the older ones
expire after an overlap, during which every delivery is signed with all of them
(Standard Webhooks allows several signatures in one header).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate, event

#: Why an endpoint stopped receiving: staff switched it off, or it answered 410 Gone.
DISABLED_BY_STAFF = "by_staff"
DISABLED_GONE = "gone"


class WebhookEndpoint(Aggregate):
    """One registered receiver of an organisation."""

    class EndpointRegistered(Aggregate.Created):
        organization_id: UUID
        url: str
        event_types: list[str]
        secret_id: str
        sealed_secret: str
        actor_id: UUID

    class EndpointChanged(Aggregate.Event):
        organization_id: UUID
        url: str
        event_types: list[str]
        actor_id: UUID

    class SecretRotated(Aggregate.Event):
        organization_id: UUID
        secret_id: str
        sealed_secret: str
        rotated_at: datetime
        previous_expire_at: datetime
        actor_id: UUID

    class SecretsResealed(Aggregate.Event):
        """The same secrets, sealed anew (a new master key): secret id -> sealed secret."""

        organization_id: UUID
        sealed: dict[str, str]

    class EndpointDisabled(Aggregate.Event):
        organization_id: UUID
        reason: str
        actor_id: UUID | None

    class EndpointEnabled(Aggregate.Event):
        organization_id: UUID
        actor_id: UUID

    class EndpointRemoved(Aggregate.Event):
        organization_id: UUID
        actor_id: UUID

    class RedeliveryRequested(Aggregate.Event):
        """Staff asked to send one delivery again ("send again" in the delivery log)."""

        organization_id: UUID
        delivery_id: UUID
        actor_id: UUID

    @event(EndpointRegistered)
    def __init__(
        self,
        organization_id: UUID,
        url: str,
        event_types: list[str],
        secret_id: str,
        sealed_secret: str,
        actor_id: UUID,
    ) -> None:
        self.organization_id = organization_id
        self.url = url
        self.event_types = list(event_types)
        #: secret id -> (sealed secret, expiry or None while current)
        self.secrets: dict[str, tuple[str, datetime | None]] = {secret_id: (sealed_secret, None)}
        self.enabled = True
        self.disabled_reason: str | None = None
        self.removed = False
        #: When the secret was last rotated (None: the secret of the registration).
        self.rotated_at: datetime | None = None

    def change(self, url: str, event_types: list[str], actor_id: UUID) -> bool:
        if url == self.url and event_types == self.event_types:
            return False
        self._changed(
            organization_id=self.organization_id,
            url=url,
            event_types=event_types,
            actor_id=actor_id,
        )
        return True

    @event(EndpointChanged)
    def _changed(
        self, organization_id: UUID, url: str, event_types: list[str], actor_id: UUID
    ) -> None:
        self.url = url
        self.event_types = list(event_types)

    def rotate_secret(
        self, secret_id: str, sealed_secret: str, now: datetime, overlap: timedelta, actor_id: UUID
    ) -> None:
        self._rotated(
            organization_id=self.organization_id,
            secret_id=secret_id,
            sealed_secret=sealed_secret,
            rotated_at=now,
            previous_expire_at=now + overlap,
            actor_id=actor_id,
        )

    @event(SecretRotated)
    def _rotated(
        self,
        organization_id: UUID,
        secret_id: str,
        sealed_secret: str,
        rotated_at: datetime,
        previous_expire_at: datetime,
        actor_id: UUID,
    ) -> None:
        self.rotated_at = rotated_at
        self.secrets = {
            key: (sealed, previous_expire_at if expires is None else expires)
            for key, (sealed, expires) in self.secrets.items()
        }
        self.secrets[secret_id] = (sealed_secret, None)

    def reseal(self, sealed: dict[str, str]) -> bool:
        """Keep the secrets, sealed as given (only ids this endpoint has)."""
        known = {key: value for key, value in sealed.items() if key in self.secrets}
        if not known:
            return False
        self._resealed(organization_id=self.organization_id, sealed=known)
        return True

    @event(SecretsResealed)
    def _resealed(self, organization_id: UUID, sealed: dict[str, str]) -> None:
        for key, value in sealed.items():
            self.secrets[key] = (value, self.secrets[key][1])

    def signing_secrets(self, now: datetime) -> list[str]:
        """The sealed secrets to sign with now: the current one first, then those still
        in their overlap."""
        current = [sealed for sealed, expires in self.secrets.values() if expires is None]
        overlapping = [
            sealed for sealed, expires in self.secrets.values() if expires and expires > now
        ]
        return current + overlapping

    def disable(self, reason: str, actor_id: UUID | None) -> bool:
        if not self.enabled:
            return False
        self._disabled(organization_id=self.organization_id, reason=reason, actor_id=actor_id)
        return True

    @event(EndpointDisabled)
    def _disabled(self, organization_id: UUID, reason: str, actor_id: UUID | None) -> None:
        self.enabled = False
        self.disabled_reason = reason

    def enable(self, actor_id: UUID) -> bool:
        if self.enabled:
            return False
        self._enabled(organization_id=self.organization_id, actor_id=actor_id)
        return True

    @event(EndpointEnabled)
    def _enabled(self, organization_id: UUID, actor_id: UUID) -> None:
        self.enabled = True
        self.disabled_reason = None

    def remove(self, actor_id: UUID) -> None:
        if not self.removed:
            self._removed(organization_id=self.organization_id, actor_id=actor_id)

    @event(EndpointRemoved)
    def _removed(self, organization_id: UUID, actor_id: UUID) -> None:
        self.removed = True
        self.enabled = False

    def request_redelivery(self, delivery_id: UUID, actor_id: UUID) -> None:
        self._redelivery(
            organization_id=self.organization_id, delivery_id=delivery_id, actor_id=actor_id
        )

    @event(RedeliveryRequested)
    def _redelivery(self, organization_id: UUID, delivery_id: UUID, actor_id: UUID) -> None:
        pass
