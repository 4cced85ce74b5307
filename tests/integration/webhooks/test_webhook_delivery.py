"""Webhooks end to end on each backend: the API registers, the event log feeds the outbox,
the in-process jobs deliver to a real receiver on loopback, every signature is verified
with `standardwebhooks`.

The receiver is allowed by `DOCINTAKE_WEBHOOKS_ALLOW_PRIVATE`; the sender's connector is
replaced by a guard that fails the test if it is asked for anything but loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks import Webhook

from domain.webhook_events import EVENT_TYPES
from infrastructure.bootstrap import Services
from tests.support.api import Account, signup
from tests.support.jobs import wait_until
from tests.support.server import free_port, running_server
from tests.support.uploads import create_link, pdf_bytes, upload
from tests.support.webhooks import ConnectionGuard, Receiver, guard_services, receiving

WEBHOOKS = "/api/v1/webhooks"
#: Every type but `file.infected` (tests/integration/webhooks/test_webhook_scanning.py).
RECORDED_TYPES = [t for t in EVENT_TYPES if t != "file.infected"]


@contextmanager
def webhook_service(
    make_services: Callable[..., Services], guard: ConnectionGuard, **overrides: object
) -> Iterator[tuple[Services, httpx.Client]]:
    services = make_services(
        port=free_port(), webhooks_allow_private=True, webhooks_retry_scale=0.0001, **overrides
    )
    guard_services(services, guard)
    with running_server(services) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield services, http


def register(owner: Account, url: str, events: list[str]) -> dict[str, str]:
    response = owner.post(WEBHOOKS, json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["secret"].startswith("whsec_")
    return dict(body)


def deliveries(owner: Account, webhook_id: str) -> list[dict[str, object]]:
    response = owner.get(f"{WEBHOOKS}/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_every_event_type_arrives_signed_and_thin(
    make_services: Callable[..., Services],
) -> None:
    guard = ConnectionGuard()
    with (
        receiving(Receiver()) as receiver,
        webhook_service(make_services, guard) as (services, http),
    ):
        owner = signup(http, plan="team", name="Kanzlei Müller & Söhne")
        hook = register(owner, receiver.url, list(EVENT_TYPES))

        def arrived() -> set[str]:
            return {json.loads(r.body)["type"] for r in receiver.requests}

        customer = owner.create_customer("Jürgen Straße", email="juergen@example.com")
        customer_id = customer["id"]
        patched = owner.patch(f"/api/v1/customers/{customer_id}", json={"company": "Ölmühle"})
        assert patched.status_code == 200
        link = create_link(
            owner, customer_id, title="Kündigung – 2024", requested_items=["Personalausweis"]
        )
        assert owner.post(f"/api/v1/links/{link['id']}/send", json={}).status_code == 202
        wait_until(lambda: "link.sent" in arrived(), what="the link mail sent")
        reminded = owner.post(f"/api/v1/links/{link['id']}/remind")
        assert reminded.status_code == 202, reminded.text
        uploaded = upload(http, link, ("Müller.pdf", pdf_bytes(3_000)))
        assert uploaded.status_code == 201, uploaded.text
        file_id = uploaded.json()["files"][0]["id"]
        review = owner.put(f"/api/v1/files/{file_id}/review", json={"state": "checked"})
        assert review.status_code == 200
        assert owner.post(f"/api/v1/links/{link['id']}/revoke").status_code == 200
        short = create_link(
            owner, customer_id, expires_at=(datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        )
        wait_until(lambda: datetime.now(UTC) > datetime.fromisoformat(short["expires_at"]))
        services.job_handlers().link_expiry.expire_due()
        assert owner.delete(f"/api/v1/customers/{customer_id}").status_code == 204

        try:
            wait_until(lambda: set(RECORDED_TYPES) <= arrived(), timeout=30)
        except AssertionError:
            raise AssertionError(f"missing {set(RECORDED_TYPES) - arrived()}") from None
        for request in receiver.requests:
            body = request.verified(hook["secret"])  # raises unless the signature holds
            assert request.headers["webhook-id"] == body["id"]
            assert body["data"]["organization_id"] == owner.organization_id
            assert body["data"]["customer_id"] == customer_id
            assert set(body) == {"id", "type", "timestamp", "data"}
            for personal in ("Jürgen", "juergen@", "Müller", "Kündigung", "Ölmühle", "Straße"):
                assert personal not in request.body.decode()
        [file_event] = receiver.of_type("file.uploaded", hook["secret"])
        assert file_event["data"] == {
            "organization_id": owner.organization_id,
            "customer_id": customer_id,
            "link_id": link["id"],
            "file_id": file_id,
        }
        # The log says "delivered" once the answer is written, a moment after it arrived.
        wait_until(
            lambda: all(d["state"] == "delivered" for d in deliveries(owner, hook["id"])),
            what="every delivery logged as delivered",
        )
        log = deliveries(owner, hook["id"])
        assert {d["type"] for d in log} >= set(RECORDED_TYPES)
        assert len(log) == len(receiver.requests)  # exactly once into the outbox
    assert guard.refused == []


def test_retries_carry_the_same_webhook_id_until_answered(
    make_services: Callable[..., Services],
) -> None:
    guard = ConnectionGuard()
    with (
        receiving(Receiver([500, 500, 500, 200])) as receiver,
        webhook_service(make_services, guard) as (_, http),
    ):
        owner = signup(http, plan="team")
        hook = register(owner, receiver.url, ["customer.created"])
        customer = owner.create_customer("Zoë Ærø 🦊")
        wait_until(lambda: len(receiver.requests) >= 4, timeout=30, what="four attempts")
        ids = [r.headers["webhook-id"] for r in receiver.requests]
        assert len(set(ids)) == 1 and len(ids) == 4
        for request in receiver.requests:
            assert request.verified(hook["secret"])["data"]["customer_id"] == customer["id"]
        assert len({r.body for r in receiver.requests}) == 1  # the same bytes each time

        def delivered() -> bool:
            return deliveries(owner, hook["id"])[0]["state"] == "delivered"

        wait_until(delivered, what="the delivery logged as delivered")
        [entry] = deliveries(owner, hook["id"])
        assert entry["id"] == ids[0]
        assert [a["status"] for a in entry["log"]] == [500, 500, 500, 200]  # type: ignore[index]
    assert guard.refused == []


def test_410_disables_the_endpoint_and_3xx_is_a_failure(
    make_services: Callable[..., Services],
) -> None:
    guard = ConnectionGuard()
    with (
        receiving(Receiver([410])) as gone,
        receiving(Receiver([302, 200])) as moved,
        webhook_service(make_services, guard) as (_, http),
    ):
        owner = signup(http, plan="team")
        gone_hook = register(owner, gone.url, ["customer.created"])
        moved_hook = register(owner, moved.url, ["customer.created"])
        owner.create_customer("Erste Kundin")
        wait_until(lambda: len(gone.requests) == 1 and len(moved.requests) == 2, what="answers")

        def disabled() -> bool:
            return not owner.get(f"{WEBHOOKS}/{gone_hook['id']}").json()["enabled"]

        wait_until(disabled, what="the endpoint disabled")
        assert owner.get(f"{WEBHOOKS}/{gone_hook['id']}").json()["disabled_reason"] == "gone"
        owner.create_customer("Zweite Kundin")
        wait_until(lambda: len(moved.requests) == 3, what="the second event at the other one")
        assert len(gone.requests) == 1  # nothing more for a disabled endpoint
        [_second, first] = deliveries(owner, moved_hook["id"])
        assert [a["status"] for a in first["log"]] == [302, 200]  # type: ignore[index]
        assert first["log"][0]["error"] == "redirect (not followed)"  # type: ignore[index]

        # Switched on again, it hears new events; "send again" repeats an old one, same id.
        assert owner.patch(f"{WEBHOOKS}/{gone_hook['id']}", json={"enabled": True}).json()[
            "enabled"
        ]
        [stopped] = deliveries(owner, gone_hook["id"])
        again = owner.post(f"{WEBHOOKS}/{gone_hook['id']}/deliveries/{stopped['id']}/send-again")
        assert again.status_code == 202, again.text
        wait_until(lambda: len(gone.requests) == 2, what="the delivery sent again")
        assert gone.requests[1].headers["webhook-id"] == stopped["id"]
        Webhook(gone_hook["secret"]).verify(gone.requests[1].body, gone.requests[1].headers)
    assert guard.refused == []
