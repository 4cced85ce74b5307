"""`docintake keys rotate-master` seals webhook secrets anew: after the rotation the service
on the new master key still signs with each endpoint's secret (the one shown once)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from infrastructure.bootstrap import Services
from infrastructure.master_key import MasterKey
from tests.support.api import signup
from tests.support.jobs import wait_until
from tests.support.server import free_port, running_server
from tests.support.webhooks import Receiver, receiving


def test_webhook_secrets_survive_a_master_key_rotation(
    make_services: Callable[..., Services],
) -> None:
    new_key = MasterKey.generate()
    with receiving(Receiver()) as receiver:
        before = make_services(port=free_port(), webhooks_allow_private=True)
        with running_server(before) as url, httpx.Client(base_url=url, timeout=30) as http:
            owner = signup(http, plan="team")
            hook = owner.post(
                "/api/v1/webhooks", json={"url": receiver.url, "events": ["customer.created"]}
            ).json()
            rotated = owner.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret").json()
            owner.create_customer("Vor der Rotation")
            wait_until(lambda: len(receiver.requests) == 1, what="the first delivery")
            assert before.audit_log().rotate_master_key(new_key) >= 1

        overrides: dict[str, object] = {"port": free_port(), "webhooks_allow_private": True}
        if before.settings.master_key is not None:
            overrides["master_key"] = new_key
        after = make_services(**overrides)
        with running_server(after) as url, httpx.Client(base_url=url, timeout=30) as http:
            owner.client = http
            owner.create_customer("Nach der Rotation")
            wait_until(lambda: len(receiver.requests) == 2, what="a delivery after the rotation")
        for request in receiver.requests:
            # Both secrets sign during the overlap: each verifies the same request.
            for secret in (hook["secret"], rotated["secret"]):
                assert request.verified(secret)["type"] == "customer.created"
