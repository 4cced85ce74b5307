"""Settings › Webhooks: register (secret shown once), switch off and on, new secret, remove,
and each endpoint's delivery log with "send again" (owners and admins)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from anyio import to_thread
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from application.webhooks import IssuedSecret
from domain.errors import InvalidValue
from domain.webhook_events import EVENT_TYPES
from interfaces.http.language import reader_language
from interfaces.web.pages import (
    PAGE_EXCEPTION_HANDLERS,
    StaffPage,
    problems_of,
    see_other,
)
from interfaces.web.webhook_texts import WEBHOOK_TEXTS, attempt_problem

HOME = "/settings/webhooks"
NOTICES = ("saved", "removed", "queued")


def _texts(request: Request[Any, Any, Any]) -> dict[str, str]:
    return WEBHOOK_TEXTS[reader_language(request)]


def _notice(request: Request[Any, Any, Any]) -> str | None:
    done = request.query_params.get("done")
    return _texts(request)[f"done_{done}"] if done in NOTICES else None


async def _form(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    form = await request.form()
    return {key: [str(v) for v in form.getall(key)] for key in form}


class WebhookPages(Controller):
    path = HOME
    include_in_schema = False
    exception_handlers = PAGE_EXCEPTION_HANDLERS

    @get("/", sync_to_thread=True)
    def webhooks(self, staff_page: NamedDependency[StaffPage]) -> Template:
        return webhooks_page(staff_page)

    @post("/")
    async def register(self, staff_page: NamedDependency[StaffPage]) -> Template:
        form = await _form(staff_page.request)
        url = (form.get("url") or [""])[0]
        events = form.get("events") or []
        return await to_thread.run_sync(lambda: self._register(staff_page, url, events))

    def _register(self, frame: StaffPage, url: str, events: list[str]) -> Template:
        try:
            issued = frame.app.webhooks.register_webhook(frame.principal, url, events)
        except InvalidValue as invalid:
            return webhooks_page(
                frame,
                errors=problems_of(invalid, frame.language),
                values={"url": url, "events": events},
                status_code=422,
            )
        frame.wrote(issued)
        return secret_page(frame, issued, rotated=False)

    @post("/{webhook_id:uuid}/rotate", sync_to_thread=True)
    def rotate(
        self, staff_page: NamedDependency[StaffPage], webhook_id: FromPath[UUID]
    ) -> Template:
        issued = staff_page.app.webhooks.rotate_webhook_secret(staff_page.principal, webhook_id)
        staff_page.wrote(issued)
        return secret_page(staff_page, issued, rotated=True)

    @post("/{webhook_id:uuid}/switch", sync_to_thread=True)
    def switch(
        self,
        staff_page: NamedDependency[StaffPage],
        webhook_id: FromPath[UUID],
        on: FromQuery[bool] = False,
    ) -> Redirect:
        """`?on=true` switches deliveries on again, otherwise off."""
        staff_page.wrote(
            staff_page.app.webhooks.switch_webhook(staff_page.principal, webhook_id, on)
        )
        return see_other(HOME, done="saved", anchor=f"webhook-{webhook_id}")

    @post("/{webhook_id:uuid}/remove", sync_to_thread=True)
    def remove(
        self, staff_page: NamedDependency[StaffPage], webhook_id: FromPath[UUID]
    ) -> Redirect:
        staff_page.wrote(staff_page.app.webhooks.remove_webhook(staff_page.principal, webhook_id))
        return see_other(HOME, done="removed")

    @get("/{webhook_id:uuid}", sync_to_thread=True)
    def deliveries(
        self, staff_page: NamedDependency[StaffPage], webhook_id: FromPath[UUID]
    ) -> Template:
        principal = staff_page.principal
        webhooks = staff_page.app.webhooks
        endpoint = webhooks.webhook_endpoint(principal, webhook_id)
        texts = _texts(staff_page.request)
        log = [
            {
                "id": str(delivery.id),
                "type": delivery.event_type,
                "created_at": delivery.created_at,
                "state": delivery.state,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at,
                "customer_id": json.loads(delivery.body)["data"].get("customer_id"),
                "log": [
                    {
                        "at": attempt.at,
                        "status": attempt.status,
                        "problem": attempt_problem(attempt.error, texts),
                    }
                    for attempt in delivery.log
                ],
            }
            for delivery in webhooks.webhook_deliveries(principal, webhook_id)
        ]
        notice = _notice(staff_page.request)
        return staff_page.render(
            "staff/webhook_log.html",
            {"w": texts, "endpoint": endpoint, "deliveries": log, "notice": notice},
            section="settings",
        )

    @post("/{webhook_id:uuid}/deliveries/{delivery_id:uuid}/send-again", sync_to_thread=True)
    def send_again(
        self,
        staff_page: NamedDependency[StaffPage],
        webhook_id: FromPath[UUID],
        delivery_id: FromPath[UUID],
    ) -> Redirect:
        webhooks = staff_page.app.webhooks
        staff_page.wrote(webhooks.send_webhook_again(staff_page.principal, webhook_id, delivery_id))
        return see_other(f"{HOME}/{webhook_id}", done="queued", anchor=f"delivery-{delivery_id}")


def webhooks_page(
    frame: StaffPage,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    return frame.render(
        "staff/webhooks.html",
        {
            "w": _texts(frame.request),
            "endpoints": frame.app.webhooks.webhook_endpoints(frame.principal),
            "event_types": EVENT_TYPES,
            "errors": errors or {},
            "values": values or {"url": "", "events": []},
            "notice": _notice(frame.request),
        },
        status_code=status_code,
        section="settings",
    )


def secret_page(frame: StaffPage, issued: IssuedSecret, *, rotated: bool) -> Template:
    """The secret on this answer only (never in a URL, never again)."""
    return frame.render(
        "staff/webhook_secret.html",
        {
            "w": _texts(frame.request),
            "endpoint": issued.endpoint,
            "secret": issued.secret,
            "rotated": rotated,
        },
        section="settings",
    )
