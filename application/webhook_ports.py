"""What webhooks need from the outside: sealing secrets, and sending one signed request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from application.webhook_log import Delivery
    from projections.webhook_endpoints import EndpointRow


class SecretSealer(Protocol):
    """Keeps webhook secrets sealed at rest (wrapped by the master key)."""

    def seal(self, secret: bytes) -> str:
        """The secret in a form safe to record in an event (text)."""

    def open(self, sealed: str) -> bytes:
        """The secret again; raises if this process's key cannot open it."""


@dataclass(frozen=True)
class WebhookRequest:
    """One POST to an endpoint: its URL, headers and the exact body bytes signed."""

    url: str
    headers: dict[str, str]
    body: bytes


class WebhookRefused(Exception):
    """The URL leads to an address we do not send to (loopback, private, link-local...).

    Decided before any connection is opened.
    """


class WebhookUnreachable(Exception):
    """The request did not get an answer: no such host, refused, reset, timed out, TLS."""


class WebhookSender(Protocol):
    """Sends webhook requests, never to a refused address and never following redirects."""

    def check(self, url: str) -> None:
        """Raise `WebhookRefused` if the URL leads to a refused address, as far as can be
        told now (an address written literally, or a name that resolves to one); a name
        that does not resolve yet passes (it is checked again at every send)."""

    def post(self, request: WebhookRequest) -> int:
        """POST the request; returns the answer's status code (a redirect is not followed).

        Raises `WebhookRefused` before connecting when the host resolves to a refused
        address, `WebhookUnreachable` when no answer came within the timeout.
        """


class EndpointList(Protocol):
    """The organisation's endpoints as listed (the read model
    `projections.webhook_endpoints.WebhookEndpointsView`)."""

    def of_organization(self, organization_id: UUID) -> list[EndpointRow]: ...


class DeliveryLog(Protocol):
    """What was delivered to an endpoint and how it went (`application.webhook_log`)."""

    def deliveries(self, endpoint_id: UUID, limit: int = ...) -> list[Delivery]: ...

    def delivery(self, delivery_id: UUID) -> Delivery | None: ...
