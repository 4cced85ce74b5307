"""Webhook deliveries in each queue mode (embedded table, RabbitMQ, Redis): a retry after a
500 comes back through the queue with the same `webhook-id`, run by the worker."""

from __future__ import annotations

from tests.support.api import signup
from tests.support.jobs import Deploy, wait_until
from tests.support.webhooks import Receiver, receiving


def test_a_retried_delivery_keeps_its_id_in_every_queue_mode(deploy: Deploy) -> None:
    with (
        receiving(Receiver([500, 200])) as receiver,
        deploy(webhooks_allow_private=True, webhooks_retry_scale=0.01) as deployment,
    ):
        owner = signup(deployment.http, plan="team")
        created = owner.post(
            "/api/v1/webhooks", json={"url": receiver.url, "events": ["customer.created"]}
        )
        assert created.status_code == 201, created.text
        customer = owner.create_customer("Bärbel Böhm")
        wait_until(lambda: len(receiver.requests) == 2, timeout=30, what="the retry")
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
        for request in receiver.requests:
            body = request.verified(created.json()["secret"])
            assert body["data"]["customer_id"] == customer["id"]

        def delivered() -> bool:
            items = owner.get(f"/api/v1/webhooks/{created.json()['id']}/deliveries").json()
            return items["items"][0]["state"] == "delivered"

        wait_until(delivered, what="the delivery logged")
