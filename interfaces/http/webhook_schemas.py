"""Request and response bodies of the webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from domain.webhook_address import URL_MAX_LENGTH
from domain.webhook_events import EVENT_TYPES
from interfaces.http import documented

EventType = Annotated[str, documented.one_of(*EVENT_TYPES)]
Url = Annotated[str, msgspec.Meta(max_length=URL_MAX_LENGTH, description="http(s) URL")]


class RegisterWebhookRequest(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    events: list[EventType]


class ChangeWebhookRequest(msgspec.Struct, forbid_unknown_fields=True):
    url: Url | UnsetType = UNSET
    events: list[EventType] | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET


class Webhook(msgspec.Struct):
    id: str
    url: str
    events: list[str]
    enabled: bool
    # `gone` (the endpoint answered 410) or `by_staff`; null while enabled.
    disabled_reason: str | None
    created_at: datetime
    secret_changed_at: datetime


class IssuedWebhook(msgspec.Struct):
    """An endpoint with its secret: in the answer to registering or rotating only."""

    id: str
    url: str
    events: list[str]
    enabled: bool
    secret: str


class WebhookList(msgspec.Struct):
    items: list[Webhook]


class DeliveryAttempt(msgspec.Struct):
    attempt: int
    at: datetime
    status: int | None
    error: str | None
    duration_ms: int


class Delivery(msgspec.Struct):
    id: str  # the `webhook-id` of every attempt
    type: str
    created_at: datetime
    # pending | delivered | failed (retries used up) | stopped (endpoint off, removed or 410)
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    finished_at: datetime | None
    log: list[DeliveryAttempt]


class DeliveryList(msgspec.Struct):
    items: list[Delivery]
