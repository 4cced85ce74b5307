"""Webhook endpoints of an organisation: register, list, rotate the secret, switch off and
on, remove, read the delivery log and send a delivery again (owners and admins)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from application.command import Context, Recorded
from application.errors import NotFound
from application.permissions import Action, authorize
from application.principal import Principal
from application.webhook_log import Delivery
from application.webhook_ports import (
    DeliveryLog,
    EndpointList,
    SecretSealer,
    WebhookRefused,
    WebhookSender,
)
from domain.errors import InvalidValue, Problem, problem
from domain.webhook_address import webhook_url
from domain.webhook_endpoint import DISABLED_BY_STAFF, WebhookEndpoint
from domain.webhook_events import event_types
from projections.webhook_endpoints import EndpointRow

if TYPE_CHECKING:
    from application.docintake import DocIntake

SECRET_BYTES = 32
SECRET_PREFIX = "whsec_"
#: After a rotation the previous secret still signs (beside the new one) this long.
SECRET_OVERLAP = timedelta(hours=24)


def new_secret() -> tuple[str, bytes]:
    """A fresh `whsec_...` secret (as shown once) and its bytes."""
    raw = secrets.token_bytes(SECRET_BYTES)
    return SECRET_PREFIX + base64.b64encode(raw).decode(), raw


@dataclass(frozen=True)
class IssuedSecret(Recorded):
    """An endpoint with its secret, as answered once (on registration or rotation)."""

    endpoint: WebhookEndpoint
    secret: str


@dataclass(frozen=True)
class WebhookChanged(Recorded):
    """An endpoint as saved by a change (`position`: the head when nothing changed)."""

    endpoint: WebhookEndpoint


@dataclass(frozen=True)
class WebhookParts:
    """What webhooks need from outside: the sealer of secrets, the sender, the endpoints'
    read model and the delivery log (part of the application's `Collaborators`)."""

    sealer: SecretSealer
    sender: WebhookSender
    endpoints: EndpointList
    log: DeliveryLog


class WebhookCommands(Context):
    """An organisation's webhook endpoints (`app.webhooks`)."""

    def __init__(self, app: DocIntake, parts: WebhookParts | None) -> None:
        super().__init__(app)
        self._webhook_sealer = parts.sealer if parts else None
        self._webhook_sender = parts.sender if parts else None
        self._webhook_endpoints = parts.endpoints if parts else None
        self._webhook_log = parts.log if parts else None

    def use_webhook_sender(self, sender: WebhookSender) -> None:
        """Send through `sender` from now on (tests put a loopback-only connector in)."""
        self._webhook_sender = sender

    @property
    def webhook_sealer(self) -> SecretSealer:
        if self._webhook_sealer is None:
            raise RuntimeError("webhooks are not configured")
        return self._webhook_sealer

    @property
    def webhook_sender(self) -> WebhookSender:
        if self._webhook_sender is None:
            raise RuntimeError("webhooks are not configured")
        return self._webhook_sender

    def _checked_url(self, value: str) -> str:
        url = webhook_url(value)
        try:
            self.webhook_sender.check(url)
        except WebhookRefused as refused:
            raise InvalidValue.single(
                "url", problem("webhook_address_refused", f"is not allowed: {refused}")
            ) from None
        return url

    def register_webhook(self, principal: Principal, url: str, events: list[str]) -> IssuedSecret:
        authorize(principal, Action.MANAGE_SETTINGS)
        problems: dict[str, Problem] = {}
        checked_url = checked_types = None
        try:
            checked_url = self._checked_url(url)
        except InvalidValue as error:
            problems |= error.problems
        try:
            checked_types = event_types(events)
        except InvalidValue as error:
            problems |= error.problems
        if problems or checked_url is None or checked_types is None:
            raise InvalidValue(problems)
        secret, raw = new_secret()
        endpoint = WebhookEndpoint(
            organization_id=principal.organization_id,
            url=checked_url,
            event_types=checked_types,
            secret_id=uuid4().hex,
            sealed_secret=self.webhook_sealer.seal(raw),
            actor_id=principal.user_id,
        )
        return IssuedSecret(endpoint.id, self.app.record(endpoint), endpoint, secret)

    def _endpoint_of(self, principal: Principal, endpoint_id: UUID) -> WebhookEndpoint:
        try:
            endpoint = self.app.load(endpoint_id, WebhookEndpoint)
        except NotFound:
            endpoint = None
        if (
            endpoint is None
            or endpoint.organization_id != principal.organization_id
            or endpoint.removed
        ):
            raise NotFound(f"No webhook with id {endpoint_id}.")
        return endpoint

    def webhook_endpoints(self, principal: Principal) -> list[EndpointRow]:
        authorize(principal, Action.MANAGE_SETTINGS)
        if self._webhook_endpoints is None:
            raise RuntimeError("webhooks are not configured")
        return self._webhook_endpoints.of_organization(principal.organization_id)

    def webhook_endpoint(self, principal: Principal, endpoint_id: UUID) -> WebhookEndpoint:
        authorize(principal, Action.MANAGE_SETTINGS)
        return self._endpoint_of(principal, endpoint_id)

    def change_webhook(
        self,
        principal: Principal,
        endpoint_id: UUID,
        url: str | None,
        events: list[str] | None,
    ) -> WebhookChanged:
        """Change the URL and/or the event types (None: keep them)."""
        authorize(principal, Action.MANAGE_SETTINGS)
        endpoint = self._endpoint_of(principal, endpoint_id)
        new_url = endpoint.url if url is None else self._checked_url(url)
        new_types = endpoint.event_types if events is None else event_types(events)

        def attempt() -> WebhookChanged:
            current = self._endpoint_of(principal, endpoint_id)
            if not current.change(new_url, new_types, principal.user_id):
                return WebhookChanged(current.id, self.app.head(), current)
            return WebhookChanged(current.id, self.app.record(current), current)

        return self.app.retrying(attempt)

    def rotate_webhook_secret(self, principal: Principal, endpoint_id: UUID) -> IssuedSecret:
        """A new secret (shown once); the previous ones keep signing for `SECRET_OVERLAP`."""
        authorize(principal, Action.MANAGE_SETTINGS)
        secret, raw = new_secret()
        sealed = self.webhook_sealer.seal(raw)

        def attempt() -> IssuedSecret:
            endpoint = self._endpoint_of(principal, endpoint_id)
            endpoint.rotate_secret(
                uuid4().hex, sealed, datetime.now(UTC), SECRET_OVERLAP, principal.user_id
            )
            return IssuedSecret(endpoint.id, self.app.record(endpoint), endpoint, secret)

        return self.app.retrying(attempt)

    def switch_webhook(self, principal: Principal, endpoint_id: UUID, enabled: bool) -> Recorded:
        """Switch deliveries off (pending ones stop) or on again (also after a 410)."""
        authorize(principal, Action.MANAGE_SETTINGS)

        def attempt() -> Recorded:
            endpoint = self._endpoint_of(principal, endpoint_id)
            changed = (
                endpoint.enable(principal.user_id)
                if enabled
                else endpoint.disable(DISABLED_BY_STAFF, principal.user_id)
            )
            return Recorded(endpoint.id, self.app.record(endpoint) if changed else self.app.head())

        return self.app.retrying(attempt)

    def remove_webhook(self, principal: Principal, endpoint_id: UUID) -> Recorded:
        authorize(principal, Action.MANAGE_SETTINGS)

        def attempt() -> Recorded:
            endpoint = self._endpoint_of(principal, endpoint_id)
            endpoint.remove(principal.user_id)
            return Recorded(endpoint.id, self.app.record(endpoint))

        return self.app.retrying(attempt)

    def reseal_webhook_secrets(self, old: SecretSealer, new: SecretSealer) -> int:
        """Seal every endpoint's secrets with `new` (for a master-key rotation, before the
        data keys are rewrapped); returns how many endpoints changed. Idempotent: a secret
        `new` opens already is left as it is."""
        changed = 0
        for endpoint_id in self._registered_endpoints():

            def attempt(endpoint_id: UUID = endpoint_id) -> bool:
                endpoint = self.app.load(endpoint_id, WebhookEndpoint)
                resealed = {}
                for key, (sealed, _) in endpoint.secrets.items():
                    try:
                        new.open(sealed)
                        continue  # sealed with the new key already
                    except Exception:
                        resealed[key] = new.seal(old.open(sealed))
                if not endpoint.reseal(resealed):
                    return False
                self.app.record(endpoint)
                return True

            changed += self.app.retrying(attempt)
        return changed

    def _registered_endpoints(self) -> list[UUID]:
        topic = get_topic(WebhookEndpoint.EndpointRegistered)
        found: list[UUID] = []
        start = 1
        while True:
            batch = self.app.recorder.select_notifications(start, 1000, topics=[topic])
            if not batch:
                return found
            found += [UUID(str(n.originator_id)) for n in batch]
            start = batch[-1].id + 1

    def webhook_deliveries(self, principal: Principal, endpoint_id: UUID) -> list[Delivery]:
        """The endpoint's newest deliveries with every attempt (the log lags the event log
        by the policy's batch: a delivery appears once the policy has written it)."""
        authorize(principal, Action.MANAGE_SETTINGS)
        self._endpoint_of(principal, endpoint_id)
        if self._webhook_log is None:
            raise RuntimeError("webhooks are not configured")
        return self._webhook_log.deliveries(endpoint_id)

    def send_webhook_again(
        self, principal: Principal, endpoint_id: UUID, delivery_id: UUID
    ) -> Recorded:
        """Queue one delivery again (with the same `webhook-id`), whatever its state."""
        authorize(principal, Action.MANAGE_SETTINGS)
        if self._webhook_log is None:
            raise RuntimeError("webhooks are not configured")
        delivery = self._webhook_log.delivery(delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint_id:
            raise NotFound(f"No delivery with id {delivery_id}.")

        def attempt() -> Recorded:
            endpoint = self._endpoint_of(principal, endpoint_id)
            endpoint.request_redelivery(delivery_id, principal.user_id)
            return Recorded(endpoint.id, self.app.record(endpoint))

        return self.app.retrying(attempt)
