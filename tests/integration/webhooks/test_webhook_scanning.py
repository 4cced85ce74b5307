"""An infected upload (EICAR, found by a real clamd on loopback) is told to webhook
receivers as `file.infected` and shows in every member's inbox."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from application.virus_scanning import VirusScanMode
from infrastructure.bootstrap import Services
from tests.support.api import signup
from tests.support.clamd import EICAR, Clamd, clamd_server  # noqa: F401 - fixture
from tests.support.jobs import wait_until
from tests.support.server import free_port, running_server
from tests.support.uploads import create_link, upload
from tests.support.webhooks import Receiver, receiving


def test_an_infected_file_is_told_by_webhook_and_inbox(
    make_services: Callable[..., Services],
    clamd_server: Clamd,  # noqa: F811 - fixture
) -> None:
    services = make_services(
        port=free_port(),
        webhooks_allow_private=True,
        virus_scan=VirusScanMode.REQUIRED,
        clamd_url=clamd_server.url,
        job_backoff_seconds=0.2,
    )
    with (
        receiving(Receiver()) as receiver,
        running_server(services) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        owner = signup(http, plan="team")
        hook = owner.post(
            "/api/v1/webhooks", json={"url": receiver.url, "events": ["file.infected"]}
        ).json()
        customer = owner.create_customer("Viktor Virus")
        link = create_link(owner, customer["id"])
        sent = upload(http, link, ("rechnung.pdf", EICAR))
        assert sent.status_code == 201, sent.text
        file_id = sent.json()["files"][0]["id"]

        wait_until(lambda: len(receiver.requests) == 1, timeout=30, what="file.infected")
        body = receiver.requests[0].verified(hook["secret"])
        assert body["type"] == "file.infected"
        assert body["data"]["file_id"] == file_id
        assert body["data"]["customer_id"] == customer["id"]
        assert "rechnung" not in receiver.requests[0].body.decode()

        def kinds() -> list[str]:
            return [n["kind"] for n in owner.get("/api/v1/inbox").json()["items"]]

        wait_until(lambda: "file_infected" in kinds(), what="the inbox notice")
        assert sorted(kinds()) == ["file_infected", "upload"]
