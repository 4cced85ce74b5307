"""Settings › Webhooks in a real browser: register (errors beside the fields, the secret
shown once), the delivery log with "send again", switching off; axe over each page.

A service of its own whose webhooks may reach loopback (the receiver of the test) and
nothing else (the suite's loopback-only sender)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Browser, expect
from standardwebhooks import Webhook

from infrastructure.bootstrap import Services
from tests.browser.accessibility import assert_accessible
from tests.browser.test_staff_pages import signed_in
from tests.support.api import signup
from tests.support.jobs import wait_until
from tests.support.server import free_port, running_server
from tests.support.webhooks import Receiver, receiving

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def test_register_read_the_log_and_send_again(
    make_services: Callable[..., Services], browser: Browser
) -> None:
    services = make_services(
        port=free_port(), webhooks_allow_private=True, webhooks_retry_scale=0.0005
    )
    with (
        receiving(Receiver([503])) as receiver,
        running_server(services) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        owner = signup(http, plan="team", name="Kanzlei Weiß")
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        page = context.new_page()
        signed_in(page, url, owner.email)
        page.goto(f"{url}/settings")
        page.get_by_role("link", name="Webhooks verwalten").click()
        expect(page.locator("h1")).to_have_text("Webhooks")
        expect(page.get_by_text("Noch keine Webhooks.")).to_be_visible()
        assert_accessible(page)

        # Errors beside their fields, the input kept.
        page.get_by_label("Adresse (URL)").fill("ftp://dateien.example.de/ablage")
        page.get_by_role("button", name="Webhook anlegen").click()
        expect(page.locator("#webhook-url-error")).to_have_text(
            "Die Adresse muss mit https:// (oder http://) beginnen."
        )
        expect(page.locator("#webhook-url")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#webhook-events-error")).to_have_text(
            "Bitte mindestens ein Ereignis wählen."
        )
        expect(page.locator("#webhook-url")).to_have_value("ftp://dateien.example.de/ablage")
        assert_accessible(page)

        page.get_by_label("Adresse (URL)").fill(receiver.url)
        page.get_by_label("Kunde angelegt").check()
        page.get_by_label("Datei hochgeladen").check()
        page.get_by_role("button", name="Webhook anlegen").click()
        expect(page.locator("h1")).to_contain_text("Signiergeheimnis")
        secret = page.locator("#webhook-secret").input_value()
        assert secret.startswith("whsec_")
        assert_accessible(page)
        page.get_by_role("link", name="Zurück zu den Webhooks").click()
        expect(page.locator(".webhook-url")).to_have_text(receiver.url)
        expect(page.get_by_text("Kunde angelegt, Datei hochgeladen")).to_be_visible()
        assert secret[6:] not in page.content()  # shown once, never again

        # The first attempt gets 503, the retry 200: the log shows both, in German.
        customer = owner.create_customer("Renée Müller-Lüdenscheidt")
        wait_until(lambda: len(receiver.requests) == 2, what="the retry")
        page.get_by_role("link", name=re.compile("Zustellungen ansehen")).click()
        row = page.locator("table.deliveries tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Kunde angelegt")
        expect(row).to_contain_text("Antwort 503")
        expect(row).to_contain_text("Antwort 200")
        expect(row).to_contain_text("Zugestellt")
        expect(row.get_by_role("link", name="Zum Kunden")).to_have_attribute(
            "href", f"/customers/{customer['id']}"
        )
        assert "Renée" not in "".join(r.body.decode() for r in receiver.requests)
        assert_accessible(page)

        page.get_by_role("button", name=re.compile("Erneut senden")).click()
        expect(page.locator(".notice")).to_have_text("Die Zustellung wird erneut gesendet.")
        wait_until(lambda: len(receiver.requests) == 3, what="the delivery sent again")
        ids = {r.headers["webhook-id"] for r in receiver.requests}
        assert len(ids) == 1
        for request in receiver.requests:
            body = Webhook(secret).verify(request.body, request.headers)
            assert body == json.loads(request.body)

        # Switched off: the page says so, and nothing more is sent.
        page.get_by_role("link", name="Zurück zu den Webhooks").click()
        page.get_by_role("button", name=re.compile("Abschalten")).click()
        expect(page.locator(".notice")).to_have_text("Gespeichert.")
        expect(page.locator(".webhook")).to_contain_text("Abgeschaltet")
        assert_accessible(page)
        owner.create_customer("Noch eine Kundin")
        page.wait_for_timeout(500)
        assert len(receiver.requests) == 3
        context.close()
