"""Webhook endpoints of the organisation (owners and admins): register, list, change,
rotate the secret, remove, the delivery log and "send again"."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from application.command import Recorded
from application.principal import Principal
from application.webhook_log import Delivery
from application.webhooks import IssuedSecret, WebhookCommands
from domain.webhook_endpoint import WebhookEndpoint
from interfaces.http import webhook_schemas as schemas
from interfaces.http.consistency import Reads


def _issued(issued: IssuedSecret) -> schemas.IssuedWebhook:
    endpoint = issued.endpoint
    return schemas.IssuedWebhook(
        id=str(endpoint.id),
        url=endpoint.url,
        events=list(endpoint.event_types),
        enabled=endpoint.enabled,
        secret=issued.secret,
    )


def _webhook(endpoint: WebhookEndpoint) -> schemas.Webhook:
    return schemas.Webhook(
        id=str(endpoint.id),
        url=endpoint.url,
        events=list(endpoint.event_types),
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        created_at=endpoint.created_on,
        secret_changed_at=endpoint.rotated_at or endpoint.created_on,
    )


def _delivery(delivery: Delivery) -> schemas.Delivery:
    return schemas.Delivery(
        id=str(delivery.id),
        type=delivery.event_type,
        created_at=delivery.created_at,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        finished_at=delivery.finished_at,
        log=[
            schemas.DeliveryAttempt(
                attempt=a.number, at=a.at, status=a.status, error=a.error, duration_ms=a.duration_ms
            )
            for a in delivery.log
        ],
    )


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ["webhooks"]

    @post("/", status_code=201, sync_to_thread=True)
    def register_webhook(
        self,
        webhooks: NamedDependency[WebhookCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        data: JSONBody[schemas.RegisterWebhookRequest],
    ) -> Response[schemas.IssuedWebhook]:
        """Register an endpoint; its signing secret (`whsec_...`) is in this answer only."""
        issued = webhooks.register_webhook(principal, data.url, data.events)
        return reads.recorded(issued, _issued(issued), status_code=201)

    @get("/", sync_to_thread=True)
    def list_webhooks(
        self,
        webhooks: NamedDependency[WebhookCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
    ) -> Response[schemas.WebhookList]:
        """The organisation's endpoints, oldest first, without secrets."""
        rows = webhooks.webhook_endpoints(principal)
        items = [
            schemas.Webhook(
                id=str(row.id),
                url=row.url,
                events=row.event_types,
                enabled=row.enabled,
                disabled_reason=row.disabled_reason,
                created_at=row.created_at,
                secret_changed_at=row.secret_changed_at,
            )
            for row in rows
        ]
        return reads.answer(schemas.WebhookList(items=items))

    @get("/{webhook_id:uuid}", sync_to_thread=True)
    def get_webhook(
        self,
        webhooks: NamedDependency[WebhookCommands],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
    ) -> schemas.Webhook:
        """One endpoint, without its secret."""
        return _webhook(webhooks.webhook_endpoint(principal, webhook_id))

    @patch("/{webhook_id:uuid}", sync_to_thread=True)
    def change_webhook(
        self,
        webhooks: NamedDependency[WebhookCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
        data: JSONBody[schemas.ChangeWebhookRequest],
    ) -> Response[schemas.Webhook]:
        """Change the URL or the event types, or switch deliveries off (`enabled: false`) and on
        again (also after the endpoint answered 410)."""
        url = None if data.url is UNSET else data.url
        events = None if data.events is UNSET else data.events
        recorded = Recorded(webhook_id, webhooks.app.head())
        if url is not None or events is not None:
            recorded = webhooks.change_webhook(principal, webhook_id, url, events)
        if data.enabled is not UNSET:
            recorded = webhooks.switch_webhook(principal, webhook_id, bool(data.enabled))
        endpoint = webhooks.webhook_endpoint(principal, webhook_id)
        return reads.recorded(recorded, _webhook(endpoint))

    @delete("/{webhook_id:uuid}", status_code=204, sync_to_thread=True)
    def remove_webhook(
        self,
        webhooks: NamedDependency[WebhookCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
    ) -> Response[None]:
        """Remove the endpoint: nothing more is sent to it, pending deliveries stop."""
        return reads.recorded(webhooks.remove_webhook(principal, webhook_id), None, status_code=204)

    @post("/{webhook_id:uuid}/rotate-secret", status_code=200, sync_to_thread=True)
    def rotate_secret(
        self,
        webhooks: NamedDependency[WebhookCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
    ) -> Response[schemas.IssuedWebhook]:
        """A new secret, in this answer only; for 24 hours deliveries are signed with the old
        and the new one (two signatures in `webhook-signature`)."""
        issued = webhooks.rotate_webhook_secret(principal, webhook_id)
        return reads.recorded(issued, _issued(issued))

    @get("/{webhook_id:uuid}/deliveries", sync_to_thread=True)
    def list_deliveries(
        self,
        webhooks: NamedDependency[WebhookCommands],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
    ) -> schemas.DeliveryList:
        """The endpoint's newest 100 deliveries with every attempt."""
        deliveries = webhooks.webhook_deliveries(principal, webhook_id)
        return schemas.DeliveryList(items=[_delivery(d) for d in deliveries])

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/send-again",
        status_code=202,
        sync_to_thread=True,
    )
    def send_again(
        self,
        webhooks: NamedDependency[WebhookCommands],
        reads: NamedDependency[Reads],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[UUID],
        delivery_id: FromPath[UUID],
    ) -> Response[None]:
        """Send one delivery again, with the same `webhook-id`."""
        recorded = webhooks.send_webhook_again(principal, webhook_id, delivery_id)
        return reads.recorded(recorded, None, status_code=202)
