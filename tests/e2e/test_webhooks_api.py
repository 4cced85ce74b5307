"""The webhook endpoints of the API: what is answered, what is refused, and tenancy.

The shared server's sender resolves only `localhost` and cannot connect anywhere but
loopback (tests/conftest.py); no endpoint here subscribes to an event these tests cause.
"""

from __future__ import annotations

import uuid

import pytest

from infrastructure.bootstrap import Services
from tests.support.api import Account
from tests.support.team import add_member

WEBHOOKS = "/api/v1/webhooks"
GLOBAL_URL = "https://93.184.215.14/hooks/docintake?quelle=dokumente"


def register(account: Account, **overrides: object) -> dict[str, object]:
    body = {"url": GLOBAL_URL, "events": ["link.expired", "customer.created"], **overrides}
    response = account.post(WEBHOOKS, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_register_shows_the_secret_once_and_lists_without_it(account: Account) -> None:
    created = register(account, events=["reminder.sent", "link.expired", "link.expired"])
    assert created["url"] == GLOBAL_URL
    assert created["events"] == ["link.expired", "reminder.sent"]  # the list's order, once
    secret = str(created["secret"])
    assert secret.startswith("whsec_") and len(secret) > 40

    listed = account.get(WEBHOOKS)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == created["id"] and item["enabled"] is True
    assert "secret" not in item and secret[6:] not in listed.text
    one = account.get(f"{WEBHOOKS}/{created['id']}")
    assert one.status_code == 200 and "secret" not in one.json()
    assert secret[6:] not in one.text
    assert account.get(f"{WEBHOOKS}/{created['id']}/deliveries").json() == {"items": []}


def test_rotate_gives_a_new_secret_and_change_and_remove(account: Account) -> None:
    created = register(account)
    rotated = account.post(f"{WEBHOOKS}/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["secret"].startswith("whsec_")
    shown = account.get(f"{WEBHOOKS}/{created['id']}").json()
    assert shown["secret_changed_at"] > shown["created_at"]

    changed = account.patch(
        f"{WEBHOOKS}/{created['id']}", json={"events": ["file.uploaded"], "enabled": False}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["file.uploaded"]
    assert changed.json()["enabled"] is False
    assert changed.json()["disabled_reason"] == "by_staff"
    assert account.get(WEBHOOKS).json()["items"][0]["enabled"] is False

    assert account.delete(f"{WEBHOOKS}/{created['id']}").status_code == 204
    assert account.get(WEBHOOKS).json() == {"items": []}
    assert account.get(f"{WEBHOOKS}/{created['id']}").status_code == 404
    assert account.delete(f"{WEBHOOKS}/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:9000/hook",  # a name resolving to loopback
        "http://[::1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
    ],
)
def test_addresses_inside_are_refused(account: Account, url: str) -> None:
    response = account.post(WEBHOOKS, json={"url": url, "events": ["customer.created"]})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert "not allowed" in error["fields"]["url"]
    assert account.get(WEBHOOKS).json() == {"items": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x", "events": ["customer.created"]}, "url"),
        ({"url": "https://Straße.example/\u0007", "events": ["customer.created"]}, "url"),
        ({"url": "", "events": ["customer.created"]}, "url"),
        ({"url": 42, "events": ["customer.created"]}, "url"),
        ({"url": GLOBAL_URL, "events": []}, "events"),
        ({"url": GLOBAL_URL, "events": ["customer.exploded"]}, "events"),
        ({"url": GLOBAL_URL, "events": "customer.created"}, "events"),
        ({"url": GLOBAL_URL}, "events"),
        ({"events": ["customer.created"]}, "url"),
        ({"url": GLOBAL_URL, "events": ["customer.created"], "secret": "whsec_x"}, "secret"),
    ],
)
def test_bad_input_names_the_field(account: Account, body: object, field: str) -> None:
    response = account.post(WEBHOOKS, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert field in error["fields"], error


def test_nothing_of_another_organisation_is_reachable(
    account: Account, other_account: Account, services: Services
) -> None:
    theirs = register(other_account)
    hook = f"{WEBHOOKS}/{theirs['id']}"
    missing = f"{WEBHOOKS}/{uuid.uuid4()}"
    for path in (hook, missing):
        responses = [
            account.get(path),
            account.patch(path, json={"enabled": False}),
            account.post(f"{path}/rotate-secret"),
            account.get(f"{path}/deliveries"),
            account.post(f"{path}/deliveries/{uuid.uuid4()}/send-again"),
            account.delete(path),
        ]
        for response in responses:
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "not_found"
    assert account.get(WEBHOOKS).json() == {"items": []}
    [still] = other_account.get(WEBHOOKS).json()["items"]
    assert still["enabled"] is True and still["id"] == theirs["id"]


def test_members_and_viewers_may_not_read_webhooks(account: Account, services: Services) -> None:
    register(account)
    for role in ("member", "viewer"):
        colleague = add_member(account, services.settings.data_dir, role)
        response = colleague.get(WEBHOOKS)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
