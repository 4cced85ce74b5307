"""Hostile JSON bodies: nested far too deep, or not UTF-8, are 422 naming `body` on every
JSON endpoint of the route table, signed in or not; never a 500."""

from __future__ import annotations

import re
import uuid

import pytest

from infrastructure.bootstrap import Services
from interfaces.http.app import create_app
from interfaces.http.json_body import MAX_JSON_DEPTH, json_depth_exceeds
from tests.support.api import Account

# These take multipart/form-data, not JSON.
MULTIPART = {"/api/v1/customers/{customer_id:uuid}/sent-files"}


def json_commands(services: Services) -> list[tuple[str, str]]:
    """Every API route whose handler takes a JSON body (`data`)."""
    app = create_app(services, start_services=False)
    return sorted(
        (method, route.path)
        for route in app.routes
        if route.path.startswith("/api/") and route.path not in MULTIPART
        for handler in getattr(route, "route_handlers", [])
        if "data" in handler.parsed_fn_signature.parameters
        for method in handler.http_methods
    )


def concrete(path: str) -> str:
    path = path.replace("{token:str}", "some-token")
    return re.sub(r"\{\w+:uuid\}", lambda _: str(uuid.uuid4()), path)


BODIES = {
    "deep_array": b"[" * 1_000 + b"]" * 1_000,
    "deep_object": b'{"a":' * 1_000 + b"1" + b"}" * 1_000,
    "deep_inside_a_field": b'{"name": ' + b"[" * 40 + b"]" * 40 + b"}",
    "latin1": b'{"name": "M\xfcller"}',
    "broken_utf8": b'{"name": "\xc3\x28"}',
    "lone_surrogate": b'{"name": "\xed\xa0\x80"}',
    # The decoder would keep the last silently; another reader of the bytes the first.
    "duplicated_key": b'{"name": "Anna", "name": "Bert"}',
    "not_sent_as_json": b'{"name": "Anna"}',
}
# What the refusal names: the body, the repeated key, or the body's declared type.
FIELD = {"duplicated_key": "name", "not_sent_as_json": "Content-Type"}
CONTENT_TYPE = {"not_sent_as_json": "text/plain"}


@pytest.mark.parametrize("kind", list(BODIES))
def test_every_json_endpoint_refuses_hostile_bodies(
    account: Account, services: Services, kind: str
) -> None:
    commands = json_commands(services)
    assert ("POST", "/api/v1/signup") in commands
    assert ("POST", "/api/v1/auth/token") in commands
    assert ("POST", "/api/v1/invitations/{token:str}/accept") in commands
    assert len(commands) >= 15, commands
    for method, path in commands:
        response = account.client.request(
            method,
            concrete(path),
            content=BODIES[kind],
            headers={
                "Authorization": f"Bearer {account.token}",
                "Content-Type": CONTENT_TYPE.get(kind, "application/json"),
            },
        )
        assert response.status_code == 422, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_failed", (method, path, error)
        assert list(error["fields"]) == [FIELD.get(kind, "body")], (method, path, error)


def test_the_depth_cap_leaves_ordinary_bodies_alone(account: Account) -> None:
    nested = '{"requested_items": [{"label": "[[[{{{ Klammern }}}]]]"}]}'
    customer = account.create_customer()
    response = account.post(
        f"/api/v1/customers/{customer['id']}/links",
        content=nested.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["requested_items"][0]["label"] == "[[[{{{ Klammern }}}]]]"


def test_depth_counts_brackets_outside_strings_only() -> None:
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH, MAX_JSON_DEPTH)
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)
    assert not json_depth_exceeds(b'["' + b"[" * 100 + b'\\"[["]', MAX_JSON_DEPTH)
