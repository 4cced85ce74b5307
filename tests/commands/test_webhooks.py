"""An organisation's webhook endpoints: register, change, rotate the secret, switch off and
on, remove, reseal the secrets for a new master key, send a delivery again."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from application.docintake import DocIntake
from application.errors import Forbidden, NotFound
from application.principal import Principal
from application.webhook_log import Delivery
from application.webhooks import SECRET_OVERLAP, IssuedSecret, WebhookParts
from domain.errors import InvalidValue
from domain.webhook_endpoint import DISABLED_BY_STAFF, WebhookEndpoint
from tests.commands.conftest import member
from tests.support.memory import (
    MemoryDeliveryLog,
    MemoryEndpointList,
    MemorySealer,
    MemoryWebhookSender,
    memory_app,
)


@pytest.fixture
def log() -> MemoryDeliveryLog:
    return MemoryDeliveryLog()


@pytest.fixture
def app(log: MemoryDeliveryLog) -> Iterator[DocIntake]:
    parts = WebhookParts(MemorySealer(), MemoryWebhookSender(), MemoryEndpointList(), log)
    application = memory_app(webhooks=parts)
    yield application
    application.close()


URL = "https://hooks.example.com/eingang?kanzlei=gro%C3%9F"
EVENTS = ["file.uploaded", "customer.created"]


def register(app: DocIntake, principal: Principal, url: str = URL) -> IssuedSecret:
    return app.webhooks.register_webhook(principal, url, EVENTS)


def endpoint(app: DocIntake, issued: IssuedSecret) -> WebhookEndpoint:
    return app.load(issued.endpoint.id, WebhookEndpoint)


def test_register_keeps_the_secret_sealed_and_shows_it_once(
    app: DocIntake, owner: Principal
) -> None:
    issued = register(app, owner)
    assert issued.position == app.head()
    saved = endpoint(app, issued)
    assert (saved.url, saved.organization_id, saved.enabled) == (URL, owner.organization_id, True)
    # Known types, each once, in the catalogue's order.
    assert saved.event_types == ["customer.created", "file.uploaded"]
    assert issued.secret.startswith("whsec_")
    ((sealed, expires),) = saved.secrets.values()
    assert expires is None and issued.secret.removeprefix("whsec_") not in sealed
    raw = base64.b64decode(issued.secret.removeprefix("whsec_"))
    assert app.webhooks.webhook_sealer.open(sealed) == raw


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data",
        "https://[::ffff:192.168.1.1]/hook",
        "ftp://hooks.example.com/",
        "https://nutzer:geheim@hooks.example.com/",
        "https://hooks.example.com/a b",
        "",
    ],
)
def test_register_refuses_a_bad_or_internal_address(
    app: DocIntake, owner: Principal, url: str
) -> None:
    before = app.head()
    with pytest.raises(InvalidValue) as refused:
        app.webhooks.register_webhook(owner, url, ["kündigung.eingegangen"])
    # Both fields are named in one answer.
    assert set(refused.value.fields) == {"url", "events"}
    assert app.head() == before


def test_change_the_address_or_the_events(app: DocIntake, owner: Principal) -> None:
    issued = register(app, owner)
    new_url = "https://straße.example.de/hook"
    changed = app.webhooks.change_webhook(owner, issued.endpoint.id, new_url, None)
    assert (changed.endpoint.url, changed.endpoint.event_types) == (
        new_url,
        ["customer.created", "file.uploaded"],
    )
    assert (changed.id, changed.position) == (issued.endpoint.id, app.head())
    version = endpoint(app, issued).version
    # The same values again record nothing.
    same = app.webhooks.change_webhook(owner, issued.endpoint.id, None, list(reversed(EVENTS)))
    assert same.position == app.head() and endpoint(app, issued).version == version
    with pytest.raises(InvalidValue) as refused:
        app.webhooks.change_webhook(owner, issued.endpoint.id, "http://localhost.:1/", [])
    assert "events" in refused.value.fields
    with pytest.raises(InvalidValue):
        app.webhooks.change_webhook(owner, issued.endpoint.id, "http://[::1]/hook", None)
    assert endpoint(app, issued).url == new_url


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
    app: DocIntake, owner: Principal
) -> None:
    issued = register(app, owner)
    rotated = app.webhooks.rotate_webhook_secret(owner, issued.endpoint.id)
    assert rotated.secret != issued.secret and rotated.position == app.head()
    saved = endpoint(app, issued)
    now = datetime.now(UTC)
    sealer = app.webhooks.webhook_sealer
    signing = [sealer.open(s) for s in saved.signing_secrets(now)]
    assert signing == [
        base64.b64decode(rotated.secret.removeprefix("whsec_")),
        base64.b64decode(issued.secret.removeprefix("whsec_")),
    ]
    assert len(saved.signing_secrets(now + SECRET_OVERLAP + timedelta(minutes=1))) == 1


def test_switch_off_and_on(app: DocIntake, owner: Principal) -> None:
    issued = register(app, owner)
    off = app.webhooks.switch_webhook(owner, issued.endpoint.id, False)
    assert (off.id, off.position) == (issued.endpoint.id, app.head())
    saved = endpoint(app, issued)
    assert (saved.enabled, saved.disabled_reason) == (False, DISABLED_BY_STAFF)
    # Off again changes nothing.
    app.webhooks.switch_webhook(owner, issued.endpoint.id, False)
    assert endpoint(app, issued).version == saved.version
    app.webhooks.switch_webhook(owner, issued.endpoint.id, True)
    assert endpoint(app, issued).enabled


def test_a_removed_endpoint_is_gone(app: DocIntake, owner: Principal) -> None:
    issued = register(app, owner)
    assert app.webhooks.remove_webhook(owner, issued.endpoint.id).position == app.head()
    assert endpoint(app, issued).removed
    for attempt in (
        lambda: app.webhooks.webhook_endpoint(owner, issued.endpoint.id),
        lambda: app.webhooks.switch_webhook(owner, issued.endpoint.id, True),
        lambda: app.webhooks.rotate_webhook_secret(owner, issued.endpoint.id),
        lambda: app.webhooks.remove_webhook(owner, issued.endpoint.id),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_reseal_every_secret_for_a_new_master_key(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    first = register(app, owner)
    app.webhooks.rotate_webhook_secret(owner, first.endpoint.id)
    second = register(app, stranger, "https://andere.example.org/hook")
    old, new = app.webhooks.webhook_sealer, MemorySealer("schlüssel-2")
    assert app.webhooks.reseal_webhook_secrets(old, new) == 2
    for issued in (first, second):
        for sealed, _ in endpoint(app, issued).secrets.values():
            with pytest.raises(ValueError):
                old.open(sealed)
            new.open(sealed)
    # Idempotent: what the new key opens is left as it is.
    position = app.head()
    assert app.webhooks.reseal_webhook_secrets(old, new) == 0
    assert app.head() == position


def delivery(issued: IssuedSecret) -> Delivery:
    return Delivery(
        id=uuid4(),
        endpoint_id=issued.endpoint.id,
        organization_id=issued.endpoint.organization_id,
        event_type="file.uploaded",
        body='{"type":"file.uploaded","data":{"filename":"Kündigung – 2024.pdf"}}',
        created_at=datetime.now(UTC),
        state="failed",
        attempts=8,
        next_attempt_at=None,
        last_status=500,
        last_error=None,
        finished_at=datetime.now(UTC),
        log=[],
    )


def test_send_a_delivery_again(app: DocIntake, owner: Principal, log: MemoryDeliveryLog) -> None:
    issued, other = register(app, owner), register(app, owner, "https://zwei.example.com/")
    failed = delivery(issued)
    log.kept.append(failed)
    assert app.webhooks.webhook_deliveries(owner, issued.endpoint.id) == [failed]
    again = app.webhooks.send_webhook_again(owner, issued.endpoint.id, failed.id)
    assert again.position == app.head()
    (requested,) = [
        e
        for e in app.events.get(issued.endpoint.id)
        if isinstance(e, WebhookEndpoint.RedeliveryRequested)
    ]
    assert (requested.delivery_id, requested.actor_id) == (failed.id, owner.user_id)
    # Another endpoint's delivery, or none at all, is not found.
    for endpoint_id, delivery_id in ((other.endpoint.id, failed.id), (issued.endpoint.id, uuid4())):
        with pytest.raises(NotFound):
            app.webhooks.send_webhook_again(owner, endpoint_id, delivery_id)


def every_command(app: DocIntake, issued: IssuedSecret) -> list[Callable[[Principal], object]]:
    endpoint_id = issued.endpoint.id
    return [
        lambda p: app.webhooks.webhook_endpoint(p, endpoint_id),
        lambda p: app.webhooks.change_webhook(p, endpoint_id, "https://x.example.com/", None),
        lambda p: app.webhooks.rotate_webhook_secret(p, endpoint_id),
        lambda p: app.webhooks.switch_webhook(p, endpoint_id, False),
        lambda p: app.webhooks.webhook_deliveries(p, endpoint_id),
        lambda p: app.webhooks.send_webhook_again(p, endpoint_id, uuid4()),
        lambda p: app.webhooks.remove_webhook(p, endpoint_id),
    ]


def test_only_owners_and_admins_manage_webhooks(app: DocIntake, owner: Principal) -> None:
    issued = register(app, owner)
    colleague = member(app, owner, "member", "kollegin@example.com")
    before = app.head()
    for refused in (
        lambda: register(app, colleague),
        lambda: app.webhooks.webhook_endpoints(colleague),
    ):
        with pytest.raises(Forbidden):
            refused()
    for attempt in every_command(app, issued):
        with pytest.raises(Forbidden):
            attempt(colleague)
    assert app.head() == before
    admin = member(app, owner, "admin", "admin@example.com")
    app.webhooks.switch_webhook(admin, issued.endpoint.id, False)
    assert not endpoint(app, issued).enabled


def test_another_organisations_endpoint_is_not_found(
    app: DocIntake, owner: Principal, stranger: Principal
) -> None:
    issued = register(app, owner)
    before = app.head()
    for attempt in every_command(app, issued):
        with pytest.raises(NotFound):
            attempt(stranger)
    assert app.head() == before
    assert endpoint(app, issued).enabled and not endpoint(app, issued).removed
